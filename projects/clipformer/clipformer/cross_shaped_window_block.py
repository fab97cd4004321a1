"""CrossShapedWindowBlock: attention in vertical and horizontal stripes."""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from timm.layers import Mlp
from torch import nn

from changefine_mm.registry import MODELS


class _StripeAttention(nn.Module):
    """Multi-head attention inside stripes, with a locally-enhanced term.

    Official ``LePEAttention`` (CSWin Transformer): the map is cut into
    stripes spanning the full height (``vertical``) or width, ``split``
    pixels thick; the map is zero-padded (centred) to a whole number of
    stripes. Attention runs inside each stripe and a depth-wise 3x3 conv of
    the values inside the stripe is added (locally-enhanced positional
    encoding).
    """

    def __init__(self, dim: int, num_heads: int, split: int,
                 vertical: bool) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'stripe width {dim} is not divisible by '
                             f'{num_heads} heads')
        self.num_heads = num_heads
        self.split = split
        self.vertical = vertical
        self.scale = (dim // num_heads)**-0.5
        self.lepe = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def _stripe(self, height: int, width: int) -> Tuple[int, int]:
        return (height, self.split) if self.vertical else (self.split, width)

    def _windows(self, x: torch.Tensor, sh: int, sw: int) -> torch.Tensor:
        # (B, C, H, W) -> (B * nW, C, sh, sw)
        batch, channels, height, width = x.shape
        x = x.view(batch, channels, height // sh, sh, width // sw, sw)
        return x.permute(0, 2, 4, 1, 3, 5).reshape(-1, channels, sh, sw)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        # (B * nW, C, sh, sw) -> (B * nW, heads, sh * sw, C / heads)
        n, channels = x.shape[:2]
        x = x.reshape(n, self.num_heads, channels // self.num_heads, -1)
        return x.transpose(-2, -1)

    def forward(self, qkv: torch.Tensor) -> torch.Tensor:
        """Attend.

        Args:
            qkv (Tensor): (B, 3, C, H, W) queries, keys and values.

        Returns:
            Tensor: (B, H * W, C).
        """
        batch, _, channels, height, width = qkv.shape
        sh, sw = self._stripe(height, width)
        pad_h, pad_w = (-height) % sh, (-width) % sw
        top, left = pad_h // 2, pad_w // 2
        qkv = F.pad(qkv, (left, pad_w - left, top, pad_h - top))
        full_h, full_w = height + pad_h, width + pad_w
        q, k, v = (self._windows(t, sh, sw) for t in qkv.unbind(dim=1))
        lepe = self._heads(self.lepe(v))
        attn = (self._heads(q) * self.scale) @ self._heads(k).transpose(-2, -1)
        x = attn.softmax(dim=-1) @ self._heads(v) + lepe
        # (B * nW, heads, N, C / heads) -> (B, H', W', C)
        x = x.transpose(1, 2).reshape(batch, full_h // sh, full_w // sw, sh,
                                      sw, channels)
        x = x.permute(0, 1, 3, 2, 4, 5).reshape(batch, full_h, full_w,
                                                channels)
        x = x[:, top:top + height, left:left + width]
        return x.reshape(batch, height * width, channels)


@MODELS.register_module()
class CrossShapedWindowBlock(BaseModule):
    """Cross-shaped window self-attention block of CLIPFormer's decoder.

    Official ``CrossShapedGLAttention`` of CLIPFormer's
    ``cswin_text_head.py`` without its text injection (which the package's
    ``TextConditionedDecodeHead`` adds before every block). Half of the
    channels attend within vertical stripes, the other half within
    horizontal ones (CSWin, Dong et al. 2022); the normalised input is
    added to the attention output before the projection (a "global-local"
    shortcut of the official block), then a residual MLP follows.

    Args:
        embed_dims (int): Token width.
        num_heads (int): Heads, split evenly between the two stripe
            directions.
        split_size (int): Stripe thickness. Defaults to 7.
        mlp_ratio (float): MLP hidden width ratio. Defaults to 4.
        drop_path_rate (float): Stochastic depth. Defaults to 0.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 split_size: int = 7,
                 mlp_ratio: float = 4.,
                 drop_path_rate: float = 0.) -> None:
        super().__init__()
        if num_heads < 2 or num_heads % 2:
            raise ValueError(f'num_heads must be even and >= 2 (half per '
                             f'stripe direction), got {num_heads}')
        self.norm1 = nn.LayerNorm(embed_dims)
        self.qkv = nn.Linear(embed_dims, embed_dims * 3)
        self.attns = nn.ModuleList(
            _StripeAttention(embed_dims // 2, num_heads // 2, split_size,
                             vertical) for vertical in (True, False))
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.mlp = Mlp(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 \
            else nn.Identity()

    def forward(self, x: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Attend and transform.

        Args:
            x (Tensor): (B, H * W, C) tokens.
            hw_shape (tuple[int, int]): (H, W).

        Returns:
            Tensor: (B, H * W, C).
        """
        batch, length, channels = x.shape
        height, width = hw_shape
        if length != height * width:
            raise ValueError(f'{length} tokens do not form a {height}x{width}'
                             ' map')
        img = self.norm1(x)
        qkv = self.qkv(img).reshape(batch, height, width, 3, channels)
        qkv = qkv.permute(0, 3, 4, 1, 2)  # (B, 3, C, H, W)
        half = channels // 2
        attended = torch.cat([
            self.attns[0](qkv[:, :, :half]),
            self.attns[1](qkv[:, :, half:])
        ], dim=2)
        x = x + self.drop_path(self.proj(attended + img))
        return x + self.drop_path(self.mlp(self.norm2(x)))
