"""DenseCLIP's transformer decoder layer (queries read a memory).

The layer of DenseCLIP's ``ContextDecoder`` (``TransformerDecoderLayer`` and
its ``Attention``), which ChangeCLIP's and CLIPFormer's context decoder and
ChangeFine's SCFE decoders (official ``models/clip/model.py``) reuse
unchanged. Parameter names follow the official ones, so official weights
load by name.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class DecoderAttention(nn.Module):
    """Multi-head attention with bias-free q/k/v projections.

    DenseCLIP's ``Attention`` (also in ChangeCLIP's ``clip_backbone.py`` and
    ChangeFine's ``models/clip/model.py``): keys ``q_proj``, ``k_proj``,
    ``v_proj``, ``proj``; scale head_dim^-0.5; no dropout on the attention
    weights.

    Args:
        dim (int): Token width.
        num_heads (int): Number of heads.
        proj_drop (float): Dropout after the output projection.
    """

    def __init__(self, dim: int, num_heads: int, proj_drop: float) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'width {dim} is not divisible by {num_heads} '
                             'heads')
        self.num_heads = num_heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, query: torch.Tensor, key: torch.Tensor,
                value: torch.Tensor) -> torch.Tensor:
        """Attend ``query`` [B, N, C] to ``key``/``value`` [B, M, C].

        Returns:
            Tensor: [B, N, C].
        """
        q, k, v = (self._split_heads(proj(t)) for proj, t in (
            (self.q_proj, query), (self.k_proj, key), (self.v_proj, value)))
        out = F.scaled_dot_product_attention(q, k, v)
        out = out.transpose(1, 2).flatten(2)
        return self.proj_drop(self.proj(out))

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        return x.reshape(batch, tokens, self.num_heads,
                         dim // self.num_heads).transpose(1, 2)


class DecoderLayer(nn.Module):
    """Pre-norm decoder layer: self-attention, cross-attention, GELU MLP.

    DenseCLIP's ``TransformerDecoderLayer`` (keys ``self_attn``,
    ``cross_attn``, ``norm1..3``, ``mlp.0``, ``mlp.3``). Dropout hits each
    attention output and the MLP (inside and after). The memory is not
    normalised inside the layer.

    Args:
        dim (int): Token width.
        num_heads (int): Number of heads.
        dropout (float): Dropout of the attention outputs and the MLP.
    """

    def __init__(self, dim: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.self_attn = DecoderAttention(dim, num_heads, dropout)
        self.cross_attn = DecoderAttention(dim, num_heads, dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)
        self.mlp = nn.Sequential(
            nn.Linear(dim, dim * 4), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(dim * 4, dim))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Update queries ``x`` [B, N, C] from ``memory`` [B, M, C]."""
        normed = self.norm1(x)
        x = x + self.self_attn(normed, normed, normed)
        x = x + self.cross_attn(self.norm2(x), memory, memory)
        return x + self.dropout(self.mlp(self.norm3(x)))
