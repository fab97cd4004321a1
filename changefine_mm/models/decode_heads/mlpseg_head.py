"""MLPSegHead: SegFormer's all-MLP head at a fixed output size (open-cd's
``MLPSegHead``, opencd/models/decode_heads/mlpseg_head.py, the head of Time
Travelling Pixels).

mmseg's ``SegformerHead`` resizes every level to the first level's size;
this head resizes them all to ``out_size`` instead (TTP: 128x128 for
512x512 crops), then fuses and classifies as SegFormer does. State-dict
names are mmseg's ``SegformerHead``'s.
"""
from typing import List, Sequence

import torch
from mmseg.models.decode_heads.segformer_head import SegformerHead
from mmseg.models.utils import resize

from changefine_mm.registry import MODELS


@MODELS.register_module()
class MLPSegHead(SegformerHead):
    """SegFormer head whose levels meet at ``out_size``.

    Args:
        out_size (sequence[int]): (H, W) of the fused map and the logits.
        **kwargs: mmseg ``SegformerHead`` arguments.
    """

    def __init__(self, out_size: Sequence[int], **kwargs) -> None:
        super().__init__(**kwargs)
        self.out_size = tuple(out_size)

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Logits (B, num_classes, *out_size) of the selected levels."""
        inputs = self._transform_inputs(inputs)
        outs = [
            resize(conv(x), size=self.out_size, mode=self.interpolate_mode,
                   align_corners=self.align_corners)
            for x, conv in zip(inputs, self.convs)
        ]
        return self.cls_seg(self.fusion_conv(torch.cat(outs, dim=1)))
