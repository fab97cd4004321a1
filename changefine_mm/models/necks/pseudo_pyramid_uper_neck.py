"""PseudoPyramidUPerNeck: UPerNet (PPM + FPN) over a pyramid built from
four same-resolution maps."""
from typing import List, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmseg.utils import ConfigType
from torch import Tensor, nn

from ..utils.traceable_pooling import adaptive_avg_pool2d

NUM_LEVELS = 4


def conv_norm_relu(in_channels: int, out_channels: int, kernel_size: int,
                   norm_cfg: ConfigType) -> nn.Sequential:
    """Bias-free conv + (norm, ReLU), nested as the official ``BNReLU``
    so that keys read ``0.weight`` and ``1.0.*``."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size,
                  padding=kernel_size // 2, bias=False),
        nn.Sequential(build_norm_layer(norm_cfg, out_channels)[1],
                      nn.ReLU(inplace=True)))


def resize(x: Tensor, size: Sequence[int]) -> Tensor:
    """Bilinear resize with ``align_corners=False`` (as the official neck)."""
    return F.interpolate(x, size=size, mode='bilinear', align_corners=False)


class PseudoPyramidUPerNeck(nn.Module):
    """Turn four same-resolution (stride s) maps into strides s/4, s/2, s,
    2s and run UPerNet's PPM + FPN; return the four FPN levels resized to
    the finest one.

    Corresponds to ``neck`` = official ``models/decoder/UperHead.py::
    UperHead`` as ChangeFine calls it (``conv_last=False``): level 0 ->
    ``up1`` (ConvT 2x, GroupNorm, GELU, ConvT 2x), level 1 -> ``up2``
    (ConvT 2x), level 2 unchanged, level 3 -> MaxPool 2. The PPM upsamples
    each pooled branch *before* its 1x1 conv-BN-ReLU (mmseg's PPM convolves
    first, and its key layout differs, hence this class instead of
    ``mmseg.models.decode_heads.UPerHead``). All resizes are bilinear with
    ``align_corners=False``. The PPM pools with
    :func:`~changefine_mm.models.utils.traceable_pooling.adaptive_avg_pool2d`
    (the bins of ``nn.AdaptiveAvgPool2d``, as matrix products) so that ONNX
    export works at any feature size.

    Not built (official dead parameters): the classifier ``conv_last``
    (9.44 M parameters at full size, never applied) and the LayerNorms
    ``norm``, ``norm1`` ... ``norm4`` (never used).

    Args:
        in_channels (Sequence[int]): Channels of the four input maps
            (official: 512, 512, 514, 512). Levels 0 and 1 keep their
            channels through the transposed convolutions.
        fpn_dim (int): Channels of PPM/FPN and of the outputs (512).
        pool_scales (Sequence[int]): PPM pooling sizes (1, 2, 3, 6).
        gn_groups (int): GroupNorm groups in ``up1`` (32).
        norm_cfg (dict): Norm of the conv blocks (BN; SyncBN for multi-GPU).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (512, 512, 514, 512),
                 fpn_dim: int = 512,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 gn_groups: int = 32,
                 norm_cfg: ConfigType = dict(type='BN')) -> None:
        super().__init__()
        if len(in_channels) != NUM_LEVELS:
            raise ValueError(f'in_channels needs {NUM_LEVELS} entries, got '
                             f'{list(in_channels)}')
        c0, c1, _, top = in_channels
        self.up1 = nn.Sequential(
            nn.ConvTranspose2d(c0, c0, 2, 2), nn.GroupNorm(gn_groups, c0),
            nn.GELU(), nn.ConvTranspose2d(c0, c0, 2, 2))
        self.up2 = nn.ConvTranspose2d(c1, c1, 2, 2)
        self.down = nn.MaxPool2d(2, 2)
        self.pool_scales = tuple(pool_scales)
        self.ppm_conv = nn.ModuleList(
            conv_norm_relu(top, fpn_dim, 1, norm_cfg) for _ in pool_scales)
        self.ppm_last_conv = conv_norm_relu(
            top + len(pool_scales) * fpn_dim, fpn_dim, 3, norm_cfg)
        self.fpn_in = nn.ModuleList(
            conv_norm_relu(c, fpn_dim, 1, norm_cfg) for c in in_channels[:-1])
        self.fpn_out = nn.ModuleList(
            conv_norm_relu(fpn_dim, fpn_dim, 3, norm_cfg)
            for _ in in_channels[:-1])

    def pyramid(self, maps: Sequence[Tensor]) -> List[Tensor]:
        """Strides s/4, s/2, s, 2s from four stride-s maps [B, C_i, h, w]."""
        return [self.up1(maps[0]), self.up2(maps[1]), maps[2],
                self.down(maps[3])]

    def ppm(self, x: Tensor) -> Tensor:
        """Pyramid pooling on the coarsest level -> [B, fpn_dim, h, w]."""
        size = x.shape[2:]
        branches = [x] + [
            conv(resize(adaptive_avg_pool2d(x, scale), size))
            for scale, conv in zip(self.pool_scales, self.ppm_conv)
        ]
        return self.ppm_last_conv(torch.cat(branches, dim=1))

    def forward(self, maps: Sequence[Tensor]) -> List[Tensor]:
        """Args:
            maps (Sequence[Tensor]): Four maps [B, in_channels[i], h, w].

        Returns:
            list[Tensor]: Four maps [B, fpn_dim, 4h, 4w]: P2 and the
            upsampled P3, P4 and PPM output, in that order.
        """
        levels = self.pyramid(maps)
        top_down = self.ppm(levels[-1])
        outs = [top_down]
        for i in reversed(range(NUM_LEVELS - 1)):
            lateral = self.fpn_in[i](levels[i])
            top_down = lateral + resize(top_down, lateral.shape[2:])
            outs.append(self.fpn_out[i](top_down))
        outs.reverse()
        size = outs[0].shape[2:]
        return [outs[0]] + [resize(out, size) for out in outs[1:]]
