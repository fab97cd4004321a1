"""Token transformer layers of BIT (Chen et al., "Remote Sensing Image Change
Detection With Transformers", TGRS 2021, Sec. III-C/D).

Parameter names follow open-cd's ``bit_head.py`` (``attn.to_q``,
``attn.fc_out.0``, ``ff.0``, ``ff.3``, ``norm1``, ``norm1_``, ``norm2``) so
its checkpoints load with ``strict=True``.
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer


class BITAttention(nn.Module):
    """Multi-head (cross-)attention of BIT.

    Queries come from ``x``, keys and values from ``ref``. As in the
    authors' code, the logits are scaled by ``in_dims ** -0.5`` (the token
    width), not by the per-head width.

    Args:
        in_dims (int): Token width.
        embed_dims (int): Width of q/k/v over all heads.
        num_heads (int): Number of heads.
        dropout_rate (float): Dropout after the output projection.
    """

    def __init__(self, in_dims: int, embed_dims: int, num_heads: int,
                 dropout_rate: float = 0.) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not divisible by '
                             f'num_heads={num_heads}')
        self.num_heads = num_heads
        self.scale = in_dims**-0.5
        self.to_q = nn.Linear(in_dims, embed_dims, bias=False)
        self.to_k = nn.Linear(in_dims, embed_dims, bias=False)
        self.to_v = nn.Linear(in_dims, embed_dims, bias=False)
        self.fc_out = nn.Sequential(
            nn.Linear(embed_dims, in_dims), nn.Dropout(dropout_rate))

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, N, E) -> (B, heads, N, E / heads)."""
        b, n = x.shape[:2]
        return x.reshape(b, n, self.num_heads, -1).transpose(1, 2)

    def forward(self, x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        """Attend from ``x`` (B, N, C) to ``ref`` (B, M, C)."""
        q = self._heads(self.to_q(x))
        k = self._heads(self.to_k(ref))
        v = self._heads(self.to_v(ref))
        attn = F.softmax(q @ k.transpose(-1, -2) * self.scale, dim=-1)
        out = (attn @ v).transpose(1, 2).flatten(2)
        return self.fc_out(out)


class BITFeedForward(nn.Sequential):
    """Linear -> ReLU -> Dropout -> Linear -> Dropout.

    Args:
        dims (int): Token width.
        hidden_dims (int): Hidden width.
        dropout_rate (float): Dropout probability.
    """

    def __init__(self, dims: int, hidden_dims: int,
                 dropout_rate: float = 0.) -> None:
        super().__init__(
            nn.Linear(dims, hidden_dims), nn.ReLU(), nn.Dropout(dropout_rate),
            nn.Linear(hidden_dims, dims), nn.Dropout(dropout_rate))


class _BITLayer(nn.Module):
    """Pre-norm attention + feed-forward, each with a residual.

    Args:
        in_dims (int): Token / pixel-feature width.
        embed_dims (int): Attention and feed-forward hidden width.
        num_heads (int): Attention heads.
        drop_rate (float): Dropout probability.
        norm_cfg (dict): Norm layer config (LayerNorm in BIT).
        norm_names (tuple[str]): Names of the norm layers, in open-cd's
            order (it fixes the state-dict order).
    """

    def __init__(self, in_dims: int, embed_dims: int, num_heads: int,
                 drop_rate: float, norm_cfg: dict,
                 norm_names: Tuple[str, ...]) -> None:
        super().__init__()
        self.attn = BITAttention(in_dims, embed_dims, num_heads, drop_rate)
        self.ff = BITFeedForward(in_dims, embed_dims, drop_rate)
        for name in norm_names:
            self.add_module(name, build_norm_layer(norm_cfg, in_dims)[1])

    def _attend_and_feed(self, x: torch.Tensor, query: torch.Tensor,
                         ref: torch.Tensor) -> torch.Tensor:
        x = self.attn(query, ref) + x
        return self.ff(self.norm2(x)) + x


class BITEncoderLayer(_BITLayer):
    """Self-attention over the semantic tokens of both dates.

    Args:
        *args: See :class:`_BITLayer` (without ``norm_names``).
    """

    def __init__(self, *args) -> None:
        super().__init__(*args, norm_names=('norm1', 'norm2'))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Update tokens (B, N, C)."""
        normed = self.norm1(x)
        return self._attend_and_feed(x, normed, normed)


class BITDecoderLayer(_BITLayer):
    """Cross-attention from one date's pixels to its tokens.

    Args:
        *args: See :class:`_BITLayer` (without ``norm_names``).
    """

    def __init__(self, *args) -> None:
        super().__init__(*args, norm_names=('norm1', 'norm1_', 'norm2'))

    def forward(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Refine pixel features (B, HW, C) with the tokens (B, N, C)."""
        return self._attend_and_feed(x, self.norm1(x), self.norm1_(tokens))
