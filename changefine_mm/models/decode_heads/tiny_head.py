"""TinyHead: TinyCD v2's decode head (open-cd's ``TinyHead``).

open-cd's opencd/models/decode_heads/tiny_head.py, with its state-dict
names: a 1x1 ``ConvModule`` per pyramid level (``scale_heads``), summed at
the finest level, then (``priori_attn``) gated by the absolute date
difference of the backbone's early features (``gen_diff_attn``).
"""
from typing import List, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import nn

from changefine_mm.registry import MODELS


@MODELS.register_module()
class TinyHead(BaseDecodeHead):
    """Sum of per-level projections, optionally prior-gated.

    Args:
        feature_strides (sequence[int]): Stride of each input, finest
            first (the early features first with ``priori_attn``).
        priori_attn (bool): The first input holds both dates' early
            features; gate the output by ``1 + sigmoid(conv(|A - B|))``.
            Defaults to False.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels`` and
            ``in_index`` include the early features).
    """

    def __init__(self,
                 feature_strides: Sequence[int],
                 priori_attn: bool = False,
                 **kwargs) -> None:
        super().__init__(input_transform='multiple_select', **kwargs)
        if len(feature_strides) != len(self.in_channels):
            raise ValueError('feature_strides and in_channels differ in '
                             'length')
        if min(feature_strides) != feature_strides[0]:
            raise ValueError('feature_strides must start with the finest')
        self.priori_attn = priori_attn
        attn_channels = self.in_channels[0]
        if priori_attn:
            self.in_channels = self.in_channels[1:]
            feature_strides = feature_strides[1:]
        self.feature_strides = feature_strides
        self.scale_heads = nn.ModuleList([
            nn.Sequential(
                ConvModule(channels, self.channels, 1,
                           norm_cfg=self.norm_cfg, act_cfg=self.act_cfg))
            for channels in self.in_channels
        ])
        if priori_attn:
            self.gen_diff_attn = ConvModule(attn_channels // 2,
                                            self.channels, 1, norm_cfg=None,
                                            act_cfg=None)

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Per-pixel class logits at the finest level (or at the early
        features' size with ``priori_attn``)."""
        x = self._transform_inputs(inputs)
        if self.priori_attn:
            early_x, x = x[0], x[1:]
        output = self.scale_heads[0](x[0])
        for head, feat in zip(self.scale_heads[1:], x[1:]):
            output = output + resize(head(feat), size=output.shape[2:],
                                     mode='bilinear',
                                     align_corners=self.align_corners)
        if self.priori_attn:
            date_a, date_b = early_x.chunk(2, dim=1)
            gate = self.gen_diff_attn((date_a - date_b).abs())
            if gate.shape != output.shape:
                output = resize(output, gate.shape[2:], mode='bilinear',
                                align_corners=self.align_corners)
            output = output * torch.sigmoid(gate) + output
        return self.cls_seg(output)
