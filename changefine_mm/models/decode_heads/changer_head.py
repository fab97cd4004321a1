"""Changer: the decode head of Changer / ChangerEx.

Fang et al., "Changer: Feature Interaction is What You Need for Change
Detection", TGRS 2023 (Sec. III-C/D). Each date's multi-level features are
projected, resized to the finest level and fused (an MLP decoder as in
SegFormer); FDAF aligns the two dates by learned flows; a MixFFN projection
and a 1x1 classifier follow. Registry name, arguments and state-dict keys
are open-cd's ``Changer``.
"""
from typing import List, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.backbones.mit import MixFFN
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw, resize

from changefine_mm.registry import MODELS
from ..utils.fdaf import FDAF


@MODELS.register_module()
class Changer(BaseDecodeHead):
    """Changer head over levels that hold date A and date B on channels.

    Level ``i`` of the input (picked by ``in_index``) has
    ``2 * in_channels[i]`` channels, as produced by ``IA_ResNetV1c``.

    Args:
        interpolate_mode (str): Mode for resizing levels to the finest one.
        **kwargs: :class:`BaseDecodeHead` arguments; ``in_channels`` and
            ``in_index`` are sequences of equal length (the input transform
            is always 'multiple_select').
    """

    def __init__(self, interpolate_mode: str = 'bilinear', **kwargs) -> None:
        in_channels, in_index = kwargs.get('in_channels'), kwargs.get(
            'in_index', -1)
        if not (isinstance(in_channels, (list, tuple))
                and isinstance(in_index, (list, tuple))
                and len(in_channels) == len(in_index)):
            raise ValueError(
                'Changer needs in_channels and in_index as sequences of the '
                f'same length, got {in_channels!r} and {in_index!r}')
        super().__init__(input_transform='multiple_select', **kwargs)
        self.interpolate_mode = interpolate_mode
        self.convs = nn.ModuleList(
            ConvModule(width, self.channels, 1, norm_cfg=self.norm_cfg,
                       act_cfg=self.act_cfg) for width in self.in_channels)
        self.fusion_conv = ConvModule(
            self.channels * len(self.in_channels), self.channels // 2, 1,
            norm_cfg=self.norm_cfg)
        self.neck_layer = FDAF(in_channels=self.channels // 2)
        self.discriminator = MixFFN(
            embed_dims=self.channels,
            feedforward_channels=self.channels,
            ffn_drop=0.,
            dropout_layer=dict(type='DropPath', drop_prob=0.),
            act_cfg=dict(type='GELU'))

    def _fuse_levels(self, levels: List[torch.Tensor]) -> torch.Tensor:
        """Project one date's levels, resize to the finest and fuse them."""
        size = levels[0].shape[2:]
        outs = [
            resize(conv(x), size=size, mode=self.interpolate_mode,
                   align_corners=self.align_corners)
            for conv, x in zip(self.convs, levels)
        ]
        return self.fusion_conv(torch.cat(outs, dim=1))

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Classify the change.

        Args:
            inputs (sequence[Tensor]): Backbone levels, each date A and
                date B concatenated on channels.

        Returns:
            Tensor: Logits at the resolution of the first selected level.
        """
        pairs = [x.chunk(2, dim=1) for x in self._transform_inputs(inputs)]
        fused_a = self._fuse_levels([a for a, _ in pairs])
        fused_b = self._fuse_levels([b for _, b in pairs])
        out = torch.cat(self.neck_layer(fused_a, fused_b), dim=1)
        hw_shape = out.shape[2:]
        out = nlc_to_nchw(self.discriminator(nchw_to_nlc(out), hw_shape),
                          hw_shape)
        return self.cls_seg(out)
