"""HANet: the hierarchical attention network (Han et al., IEEE JSTARS
2023).

open-cd's ``HAN`` backbone (opencd/models/backbones/hanet.py, from
github.com/ChengxiHAN/HANet-CD), with its state-dict names: a Siamese
encoder of feature-extraction cells (``conv0_0``, ``conv0`` .. ``conv5``)
at four scales; per scale, the two dates are fused by four dilated grouped
convs (``conv6_<s>_<d>``, ``conv<s>_1``), then refined by channel
attention (``cam_attention_<s>``) plus column-then-row attention
(``col_attention_<s>``, ``row_attention_<s>``); the scales are merged top
down by upsampling and concatenation and projected (``conv6``).
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn

from changefine_mm.registry import MODELS


class CAM_Module(nn.Module):
    """Channel attention of DANet: channels attend to each other.

    Args:
        in_dim (int): Channels (kept for open-cd's signature).
    """

    def __init__(self, in_dim: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``gamma * attention(x) + x``."""
        flat = x.flatten(2)
        energy = torch.bmm(flat, flat.transpose(1, 2))
        # DANet's trick: attend to the least similar channels.
        energy = energy.amax(-1, keepdim=True).expand_as(energy) - energy
        out = torch.bmm(energy.softmax(dim=-1), flat).view_as(x)
        return self.gamma * out + x


class Conv_CAM_Layer(nn.Module):
    """Conv-BN-PReLU, channel attention, conv-BN-PReLU.

    Args:
        in_ch (int): Input channels.
        out_in (int): Output channels.
    """

    def __init__(self, in_ch: int, out_in: int) -> None:
        super().__init__()
        self.attn = nn.Sequential(
            nn.Conv2d(in_ch, 32, 3, padding=1), nn.BatchNorm2d(32),
            nn.PReLU(), CAM_Module(32), nn.Conv2d(32, out_in, 3, padding=1),
            nn.BatchNorm2d(out_in), nn.PReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layers."""
        return self.attn(x)


class FEC(nn.Module):
    """Feature extraction cell: a 3x3 conv whose output is the residual
    of a BN-ReLU-1x1 conv-BN branch.

    Args:
        in_ch (int): Input channels.
        mid_ch (int): Channels of the 3x3 conv.
        out_ch (int): Output channels (= ``mid_ch`` for the residual).
    """

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, mid_ch, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(mid_ch)
        self.conv2 = nn.Conv2d(mid_ch, out_ch, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the cell."""
        x = self.conv1(x)
        branch = self.bn2(self.conv2(F.relu(self.bn1(x))))
        return F.relu(branch + x)


class AxisAttention(nn.Module):
    """Self-attention along the rows (each pixel attends to its row) or,
    with ``along='col'``, the columns.

    Args:
        in_dim (int): Channels.
        q_k_dim (int): Query/key channels.
        along (str): 'row' or 'col'.
    """

    def __init__(self, in_dim: int, q_k_dim: int, along: str) -> None:
        super().__init__()
        self.along = along
        self.query_conv = nn.Conv2d(in_dim, q_k_dim, 1)
        self.key_conv = nn.Conv2d(in_dim, q_k_dim, 1)
        self.value_conv = nn.Conv2d(in_dim, in_dim, 1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def lines(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B * lines, C, line length)."""
        x = x.permute(0, 2, 1, 3) if self.along == 'row' else x.permute(
            0, 3, 1, 2)
        return x.reshape(-1, x.size(2), x.size(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``gamma * attention(x) + x``."""
        batch, channels, height, width = x.shape
        query, key = self.lines(self.query_conv(x)), self.lines(
            self.key_conv(x))
        attn = torch.bmm(query.transpose(1, 2), key).softmax(dim=2)
        out = torch.bmm(self.lines(self.value_conv(x)), attn.transpose(1, 2))
        if self.along == 'row':
            out = out.view(batch, height, channels, width).permute(0, 2, 1, 3)
        else:
            out = out.view(batch, width, channels, height).permute(0, 2, 3, 1)
        return self.gamma * out + x


@MODELS.register_module()
class HAN(nn.Module):
    """HANet change detector backbone; outputs ``(features, )`` with
    ``2 * base_channel`` channels at the input size (open-cd's config puts
    an ``mmseg.FCNHead`` without convs on it).

    Args:
        in_channels (int): Channels per date.
        base_channel (int): Channels of the first scale (doubled per
            scale). Defaults to 40.
    """

    def __init__(self, in_channels: int, base_channel: int = 40) -> None:
        super().__init__()
        filters = [base_channel * 2**i for i in range(4)]
        self.conv0_0 = nn.Conv2d(in_channels, filters[0], 5, padding=2)
        self.conv0 = FEC(filters[0], filters[0], filters[0])
        self.conv2 = FEC(filters[0], filters[1], filters[1])
        self.conv4 = FEC(filters[1], filters[2], filters[2])
        self.conv5 = FEC(filters[2], filters[3], filters[3])
        self.conv6 = nn.Conv2d(sum(filters), filters[1], 1)
        for scale, width in enumerate(filters, start=1):
            for dilation in range(1, 5):
                self.add_module(
                    f'conv6_{scale}_{dilation}',
                    nn.Conv2d(width * 2, width, 3, padding=dilation,
                              dilation=dilation, groups=width // 2))
            self.add_module(f'conv{scale}_1', nn.Conv2d(width * 4, width, 1))
        for scale, width in enumerate(filters, start=1):
            self.add_module(f'cam_attention_{scale}',
                            Conv_CAM_Layer(width, width))
        for along in ('row', 'col'):
            for scale, width in enumerate(filters, start=1):
                self.add_module(f'{along}_attention_{scale}',
                                AxisAttention(width, width, along))
        # Built by open-cd but never used; kept for its checkpoints.
        self.c4_conv = nn.Conv2d(filters[3], filters[1], 3, padding=1)
        self.c3_conv = nn.Conv2d(filters[2], filters[1], 3, padding=1)
        self.c2_conv = nn.Conv2d(filters[1], filters[1], 3, padding=1)
        self.c1_conv = nn.Conv2d(filters[0], filters[0], 3, padding=1)

    def encode(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """The four scales (strides 1, 2, 4, 8) of one date."""
        feats = [self.conv0(self.conv0_0(x))]
        for cell in (self.conv2, self.conv4, self.conv5):
            feats.append(cell(F.avg_pool2d(feats[-1], 2)))
        return tuple(feats)

    def fuse(self, scale: int, a: torch.Tensor,
             b: torch.Tensor) -> torch.Tensor:
        """Fuse the dates at one scale and apply the attentions."""
        pair = torch.cat([a, b], dim=1)
        x = getattr(self, f'conv{scale}_1')(
            torch.cat([
                getattr(self, f'conv6_{scale}_{d}')(pair)
                for d in range(1, 5)
            ], dim=1))
        cols = getattr(self, f'col_attention_{scale}')(x)
        return getattr(self, f'cam_attention_{scale}')(x) + getattr(
            self, f'row_attention_{scale}')(cols)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor]:
        """Change features of the pair.

        Args:
            x1 (Tensor): Date A, (B, C, H, W), H and W divisible by 8.
            x2 (Tensor): Date B.

        Returns:
            tuple[Tensor]: (B, 2 * base_channel, H, W).
        """
        feats1, feats2 = self.encode(x1), self.encode(x2)
        x = self.fuse(4, feats1[3], feats2[3])
        for scale in (3, 2, 1):
            up = F.interpolate(x, scale_factor=2, mode='bilinear',
                               align_corners=False)
            x = torch.cat(
                [self.fuse(scale, feats1[scale - 1], feats2[scale - 1]), up],
                dim=1)
        return (self.conv6(x), )
