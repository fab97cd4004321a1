"""Token transformer layers of BIT (Chen et al., "Remote Sensing Image Change
Detection With Transformers", TGRS 2021, Sec. III-C/D).

Parameter names follow open-cd's ``bit_head.py`` (``attn.to_q``,
``attn.fc_out.0``, ``ff.0``, ``ff.3``, ``norm1``, ``norm1_``, ``norm2``) so
its checkpoints load with ``strict=True``.
"""
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


class BITEncoderLayer(nn.Module):
    """Pre-norm self-attention + feed-forward over the semantic tokens.

    Args:
        in_dims (int): Token width.
        embed_dims (int): Attention and feed-forward hidden width.
        num_heads (int): Attention heads.
        drop_rate (float): Dropout probability.
        norm_cfg (dict): Norm layer config (LayerNorm in BIT).
    """

    def __init__(self, in_dims: int, embed_dims: int, num_heads: int,
                 drop_rate: float, norm_cfg: dict) -> None:
        super().__init__()
        self.attn = BITAttention(in_dims, embed_dims, num_heads, drop_rate)
        self.ff = BITFeedForward(in_dims, embed_dims, drop_rate)
        self.norm1 = build_norm_layer(norm_cfg, in_dims)[1]
        self.norm2 = build_norm_layer(norm_cfg, in_dims)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Update tokens (B, N, C)."""
        normed = self.norm1(x)
        x = self.attn(normed, normed) + x
        return self.ff(self.norm2(x)) + x


class BITDecoderLayer(nn.Module):
    """Pre-norm cross-attention from pixels to tokens + feed-forward.

    Args:
        in_dims (int): Pixel feature and token width.
        embed_dims (int): Attention and feed-forward hidden width.
        num_heads (int): Attention heads.
        drop_rate (float): Dropout probability.
        norm_cfg (dict): Norm layer config (LayerNorm in BIT).
    """

    def __init__(self, in_dims: int, embed_dims: int, num_heads: int,
                 drop_rate: float, norm_cfg: dict) -> None:
        super().__init__()
        self.attn = BITAttention(in_dims, embed_dims, num_heads, drop_rate)
        self.ff = BITFeedForward(in_dims, embed_dims, drop_rate)
        self.norm1 = build_norm_layer(norm_cfg, in_dims)[1]
        self.norm1_ = build_norm_layer(norm_cfg, in_dims)[1]
        self.norm2 = build_norm_layer(norm_cfg, in_dims)[1]

    def forward(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Refine pixel features (B, HW, C) with the tokens (B, N, C)."""
        x = self.attn(self.norm1(x), self.norm1_(tokens)) + x
        return self.ff(self.norm2(x)) + x
