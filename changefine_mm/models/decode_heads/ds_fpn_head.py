"""DS_FPNHead: LightCDNet's decode head (open-cd's ``DS_FPNHead``).

open-cd's opencd/models/decode_heads/ds_fpn_head.py, with its state-dict
names: the first neck output (the early features, supervised by the
auxiliary head instead) is dropped; each selected pyramid level gets a
1x1 ``ConvModule`` (``scale_heads``), and the sum at the finest level is
classified.
"""
from typing import List

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import nn

from changefine_mm.registry import MODELS


@MODELS.register_module()
class DS_FPNHead(BaseDecodeHead):
    """Sum of per-level projections of a pyramid.

    Args:
        **kwargs: :class:`BaseDecodeHead` arguments; ``in_index`` counts
            the pyramid levels after the dropped first input.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(input_transform='multiple_select', **kwargs)
        self.scale_heads = nn.ModuleList([
            nn.Sequential(
                ConvModule(channels, self.channels, 1,
                           norm_cfg=self.norm_cfg, act_cfg=self.act_cfg))
            for channels in self.in_channels
        ])

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Class logits at the finest selected level."""
        x = self._transform_inputs(inputs[1:])
        output = self.scale_heads[0](x[0])
        for head, feat in zip(self.scale_heads[1:], x[1:]):
            output = output + resize(head(feat), size=output.shape[2:],
                                     mode='bilinear',
                                     align_corners=self.align_corners)
        return self.cls_seg(output)
