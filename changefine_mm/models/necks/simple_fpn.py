"""SimpleFPN: a feature pyramid from one single-scale map (open-cd's
``SimpleFPN``, opencd/models/necks/simple_fpn.py; the plain-backbone
pyramid of ViTDet, Li et al., ECCV 2022).

From a stride-s map: two transposed convolutions (s/4), one (s/2), the
map itself (s) and a 2x2 max-pool (2s), each through a 1x1 lateral and a
3x3 output ConvModule; further levels are strided 1x1 max-pools of the
last one. State-dict names are open-cd's (``fpn1``, ``fpn2``,
``lateral_convs``, ``fpn_convs``).
"""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from torch import nn

from changefine_mm.registry import MODELS


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """Four-level pyramid from one map, plus pooled extra levels.

    Args:
        backbone_channel (int): Channels of the input map.
        in_channels (list[int]): Channels of the four levels
            (``backbone_channel // 4``, ``// 2``, ``backbone_channel``
            twice).
        out_channels (int): Channels of every output level.
        num_outs (int): Output levels (at least 4).
        conv_cfg (dict, optional): Conv config of the ConvModules.
        norm_cfg (dict): Norm of the s/4 branch and the ConvModules
            (open-cd's TTP uses ``mmpretrain.LN2d``).
        act_cfg (dict, optional): Activation of the ConvModules.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone_channel: int,
                 in_channels: List[int],
                 out_channels: int,
                 num_outs: int,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_channels, list) or len(in_channels) != 4:
            raise ValueError('SimpleFPN: in_channels must list the four '
                             f'levels\' channels, got {in_channels}')
        if norm_cfg is None:
            raise ValueError('SimpleFPN needs a norm_cfg (open-cd uses '
                             "dict(type='mmpretrain.LN2d'))")
        self.backbone_channel = backbone_channel
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_ins = len(in_channels)
        self.num_outs = num_outs
        half, quarter = backbone_channel // 2, backbone_channel // 4
        self.fpn1 = nn.Sequential(
            nn.ConvTranspose2d(backbone_channel, half, 2, 2),
            build_norm_layer(norm_cfg, half)[1], nn.GELU(),
            nn.ConvTranspose2d(half, quarter, 2, 2))
        self.fpn2 = nn.Sequential(
            nn.ConvTranspose2d(backbone_channel, half, 2, 2))
        self.fpn3 = nn.Sequential(nn.Identity())
        self.fpn4 = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2))
        convs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
                     inplace=False)
        self.lateral_convs = nn.ModuleList(
            ConvModule(channels, out_channels, 1, **convs)
            for channels in in_channels)
        self.fpn_convs = nn.ModuleList(
            ConvModule(out_channels, out_channels, 3, padding=1, **convs)
            for _ in in_channels)

    def forward(self, x: torch.Tensor) -> tuple:
        """The pyramid of map ``x`` (B, backbone_channel, H, W).

        Returns:
            tuple[Tensor]: ``num_outs`` maps of ``out_channels``, strides
            1/4, 1/2, 1, 2, 4, ... of the input's.
        """
        levels = [branch(x) for branch in
                  (self.fpn1, self.fpn2, self.fpn3, self.fpn4)]
        outs = [
            fpn_conv(lateral(level)) for level, lateral, fpn_conv in zip(
                levels, self.lateral_convs, self.fpn_convs)
        ]
        for _ in range(self.num_outs - self.num_ins):
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
