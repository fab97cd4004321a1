"""LightCDNet (Xing et al., "LightCDNet: Lightweight Change Detection
Network Based on VHR Images", IEEE GRSL 2023).

open-cd's ``LightCDNet`` backbone (opencd/models/backbones/lightcdnet.py),
with its state-dict names: a shared stem (``conv1``), an early fusion of
the two dates by ShuffleNetV2 blocks and temporal channel attention
(``fusion_conv``), then ShuffleNetV2 stages each closed by a recurrent
criss-cross attention (``stages``).
"""
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.cnn import Scale
from mmseg.models.utils import LayerNorm2d
from torch import nn

from changefine_mm.registry import MODELS

WIDTHS = {
    'small': ([24, 48, 96, 192], 4),
    'base': ([24, 116, 232, 464], 8),
    'large': ([24, 176, 352, 704], 16),
}


def channel_shuffle(x: torch.Tensor, groups: int = 2) -> torch.Tensor:
    """Interleave the channels of ``groups`` equal groups."""
    batch, channels, height, width = x.shape
    x = x.view(batch, groups, channels // groups, height, width)
    return x.transpose(1, 2).reshape(batch, channels, height, width)


class CrissCrossAttention(nn.Module):
    """CCNet's criss-cross attention: each pixel attends to its row and
    column (the pixel itself once), added back with a learnt scale
    (``gamma``, initially 0). Same parameters as mmcv's module.

    Args:
        in_channels (int): Channels.
    """

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.query_conv = nn.Conv2d(in_channels, in_channels // 8, 1)
        self.key_conv = nn.Conv2d(in_channels, in_channels // 8, 1)
        self.value_conv = nn.Conv2d(in_channels, in_channels, 1)
        self.gamma = Scale(0.)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``gamma * attention(x) + x``."""
        height = x.shape[2]
        query, key = self.query_conv(x), self.key_conv(x)
        value = self.value_conv(x)
        # The pixel is in its row and its column: count it in the row only.
        # (B, W, H, H') then (B, H, W, H'), as mmcv sums it.
        index = torch.arange(height, device=x.device)
        energy_col = torch.einsum('bchw,bciw->bwhi', query, key).masked_fill(
            index[:, None] == index[None, :], float('-inf'))
        energy_col = energy_col.transpose(1, 2)
        energy_row = torch.einsum('bchw,bchj->bhwj', query, key)
        attn = torch.cat([energy_col, energy_row], dim=-1).softmax(dim=-1)
        out = torch.einsum('bciw,bhwi->bchw', value, attn[..., :height])
        out = out + torch.einsum('bchj,bhwj->bchw', value,
                                 attn[..., height:])
        return self.gamma(out) + x


class CCA(nn.Module):
    """Criss-cross attention applied ``recurrence`` times (full context).

    Args:
        channels (int): Channels.
        recurrence (int): Repetitions. Defaults to 2.
    """

    def __init__(self, channels: int, recurrence: int = 2) -> None:
        super().__init__()
        self.recurrence = recurrence
        self.cca = CrissCrossAttention(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the attention ``recurrence`` times."""
        for _ in range(self.recurrence):
            x = self.cca(x)
        return x


def conv_bn(in_c: int, out_c: int, kernel_size: int = 1, stride: int = 1,
            groups: int = 1, relu: bool = False) -> List[nn.Module]:
    """A bias-free conv and BN (and ReLU), as a list of layers."""
    layers = [
        nn.Conv2d(in_c, out_c, kernel_size, stride, kernel_size // 2,
                  groups=groups, bias=False),
        nn.BatchNorm2d(out_c)
    ]
    return layers + [nn.ReLU(True)] if relu else layers


class ShuffleBlock(nn.Module):
    """ShuffleNetV2 unit: split (or, when downsampling, duplicate) the
    channels, transform one half, concatenate and shuffle.

    Args:
        in_c (int): Input channels.
        out_c (int): Output channels (= ``in_c`` unless downsampling).
        downsample (bool): Stride 2 with two branches. Defaults to False.
    """

    def __init__(self, in_c: int, out_c: int,
                 downsample: bool = False) -> None:
        super().__init__()
        if not downsample and in_c != out_c:
            raise ValueError('a ShuffleBlock changes channels only when '
                             f'downsampling ({in_c} -> {out_c})')
        self.downsample = downsample
        half = out_c // 2
        stride = 2 if downsample else 1
        if downsample:
            self.branch1 = nn.Sequential(
                *conv_bn(in_c, in_c, 3, 2, groups=in_c),
                *conv_bn(in_c, half, relu=True))
        self.branch2 = nn.Sequential(
            *conv_bn(in_c if downsample else half, half, relu=True),
            *conv_bn(half, half, 3, stride, groups=half),
            *conv_bn(half, half, relu=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the unit."""
        if self.downsample:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        else:
            kept, changed = x.chunk(2, dim=1)
            out = torch.cat((kept, self.branch2(changed)), dim=1)
        return channel_shuffle(out, 2)


class TimeAttention(nn.Module):
    """Channel attention of each date from both dates' pooled features.

    Args:
        channels (int): Channels of each date.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        hidden = max(channels // 16, 8)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels * 2, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU(),
            nn.Conv2d(hidden, channels * 2, 1, bias=False))

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Re-weight both dates: ``x * (1 + sigmoid(attention))``."""
        pooled = F.adaptive_avg_pool2d(torch.cat((x1, x2), dim=1), 1)
        # Sigmoid per date, as open-cd: SIMD rounding depends on the
        # tensor length.
        attn1, attn2 = self.mlp(pooled).chunk(2, dim=1)
        return x1 * attn1.sigmoid() + x1, x2 * attn2.sigmoid() + x2


class shuffle_fusion(nn.Module):
    """Early fusion: per date a widened residual stack of ShuffleNetV2
    units, then temporal attention, shuffle and projection.

    Args:
        channels (int): Channels of each date.
        block_num (int): ShuffleNetV2 units. Defaults to 2.
    """

    def __init__(self, channels: int, block_num: int = 2) -> None:
        super().__init__()
        wide = channels * 4
        self.stages = nn.Sequential(
            nn.Sequential(*conv_bn(channels, wide, relu=True)),
            *[ShuffleBlock(wide, wide) for _ in range(block_num)])
        self.single_conv = nn.Sequential(*conv_bn(wide, channels),
                                         nn.ReLU())
        self.time_attn = TimeAttention(channels)
        self.final_conv = nn.Sequential(
            *conv_bn(channels * 2, channels), nn.ReLU())

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        """The fused map of the two dates."""
        x1 = x1 + self.single_conv(self.stages(x1))
        x2 = x2 + self.single_conv(self.stages(x2))
        x1, x2 = self.time_attn(x1, x2)
        return self.final_conv(channel_shuffle(torch.cat((x1, x2), dim=1)))


@MODELS.register_module()
class LightCDNet(nn.Module):
    """LightCDNet backbone (dual input: ``forward(x1, x2)``).

    Outputs the fused stem map (stride 2) and three deeper maps. As in
    open-cd, those are taken after the blocks numbered
    ``cumsum(stage_repeat_num) - 1`` of the flat block sequence, which
    also holds one criss-cross attention per stage: with ``[4, 8, 4]``
    they are the first stage's last unit (before its attention), the
    second stage's 7th unit and the third stage's 2nd unit.

    Args:
        stage_repeat_num (sequence[int]): ShuffleNetV2 units per stage.
        net_type (str): 'small', 'base' or 'large' (widths). Defaults to
            'small'.
    """

    def __init__(self, stage_repeat_num: Sequence[int],
                 net_type: str = 'small') -> None:
        super().__init__()
        if net_type not in WIDTHS:
            raise ValueError(f'net_type must be one of {sorted(WIDTHS)}, '
                             f'got {net_type!r}')
        widths, block_num = WIDTHS[net_type]
        counts = list(stage_repeat_num)
        counts[0] -= 1
        self.index_list = [int(i) for i in np.cumsum(counts)]
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, widths[0], 3, 2, 1, bias=False),
            LayerNorm2d(widths[0]), nn.GELU())
        self.fusion_conv = shuffle_fusion(widths[0], block_num=block_num)
        blocks, in_c = [], widths[0]
        for out_c, repeat in zip(widths[1:], stage_repeat_num):
            blocks.append(ShuffleBlock(in_c, out_c, downsample=True))
            blocks += [ShuffleBlock(out_c, out_c) for _ in range(repeat - 1)]
            blocks.append(CCA(out_c, recurrence=2))
            in_c = out_c
        self.stages = nn.Sequential(*blocks)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> List[torch.Tensor]:
        """Encode the pair.

        Args:
            x1 (Tensor): Date A, (B, 3, H, W).
            x2 (Tensor): Date B.

        Returns:
            list[Tensor]: The fused stem map and the three picked maps.
        """
        x = self.fusion_conv(self.conv1(x1), self.conv1(x2))
        outs = [x]
        for index, block in enumerate(self.stages[:max(self.index_list) +
                                                  1]):
            x = block(x)
            if index in self.index_list:
                outs.append(x)
        return outs
