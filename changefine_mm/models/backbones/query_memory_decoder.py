"""Pre-norm transformer decoders in which query tokens read memory tokens.

These are the two attention blocks of ChangeFine's SCFE fusion (official
``models/clip/model.py``), both built from DenseCLIP-style decoder layers:

* :class:`TextContextAttention` (official ``cross_attention``, used as
  ``context_visual_attn``): class-text tokens read the CLIP image tokens;
  returns ``y + out_proj(y)``.
* :class:`CLIPSAMCrossAttention` (official ``cross_clip_sam``, prompt mode
  ``clipsam``): SAM tokens (queries) read the CLIP tokens; returns
  ``out_proj(y)``.

Sub-module names follow the official ones so that official weights load
by name. Linear layers start from trunc-normal(0.02) with zero biases and
LayerNorms from (1, 0), as in the official classes.
"""
from typing import Iterable

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import constant_init, trunc_normal_init


class DecoderAttention(nn.Module):
    """Multi-head attention with bias-free q/k/v projections.

    Official ``Attention`` of ``models/clip/model.py`` (keys ``q_proj``,
    ``k_proj``, ``v_proj``, ``proj``; scale head_dim^-0.5).

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

    Official ``TransformerDecoderLayer`` (keys ``self_attn``, ``cross_attn``,
    ``norm1..3``, ``mlp.0``, ``mlp.3``). The memory is not normalised inside
    the layer.

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


def _linear_norm(in_dim: int, out_dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_dim, out_dim), nn.LayerNorm(out_dim))


def _init_official(modules: Iterable[nn.Module]) -> None:
    for module in modules:
        if isinstance(module, nn.Linear):
            trunc_normal_init(module, std=.02, bias=0)
        elif isinstance(module, nn.LayerNorm):
            constant_init(module, 1, bias=0)


class _QueryMemoryDecoder(nn.Module):
    """Decoder layers and output projection shared by the two blocks."""

    def __init__(self, width: int, num_heads: int, num_layers: int,
                 dropout: float) -> None:
        super().__init__()
        self.decoder = nn.ModuleList(
            DecoderLayer(width, num_heads, dropout)
            for _ in range(num_layers))
        self.out_proj = nn.Sequential(nn.LayerNorm(width),
                                      nn.Linear(width, width))

    def _decode(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        for layer in self.decoder:
            x = layer(x, memory)
        return x


class TextContextAttention(_QueryMemoryDecoder):
    """Class-text tokens attend to CLIP image tokens (text refinement).

    Official ``cross_attention`` (ChangeFine ``context_visual_attn``).

    Args:
        text_dim (int): Width of the text tokens.
        visual_dim (int): Width of the image tokens.
        width (int): Decoder width (also the output width).
        num_heads (int): Attention heads.
        num_layers (int): Decoder layers (official: 1).
        dropout (float): Dropout inside the layers.
    """

    def __init__(self, text_dim: int, visual_dim: int, width: int,
                 num_heads: int, num_layers: int, dropout: float) -> None:
        super().__init__(width, num_heads, num_layers, dropout)
        self.proj_m1 = _linear_norm(text_dim, width)
        self.proj_m2 = _linear_norm(visual_dim, width)
        _init_official(self.modules())

    def forward(self, text: torch.Tensor, visual: torch.Tensor) -> torch.Tensor:
        """Refinement of ``text`` [B, K, Ct] from ``visual`` [B, M, Cv].

        Returns:
            Tensor: ``y + out_proj(y)`` [B, K, width], y the decoder output.
        """
        y = self._decode(self.proj_m1(text), self.proj_m2(visual))
        return y + self.out_proj(y)


class CLIPSAMCrossAttention(_QueryMemoryDecoder):
    """SAM tokens (queries) attend to CLIP tokens (memory).

    Official ``cross_clip_sam`` called with ``query='clip'``, which despite
    its name projects the SAM tokens as queries (``proj_visual``) and the
    CLIP tokens as memory (``proj_clip``).

    Args:
        sam_dim (int): Width of the SAM tokens.
        clip_dim (int): Width of the CLIP tokens.
        width (int): Decoder width (also the output width).
        num_heads (int): Attention heads.
        num_layers (int): Decoder layers (official: 6).
        dropout (float): Dropout inside the layers.
    """

    def __init__(self, sam_dim: int, clip_dim: int, width: int,
                 num_heads: int, num_layers: int, dropout: float) -> None:
        super().__init__(width, num_heads, num_layers, dropout)
        self.proj_visual = _linear_norm(sam_dim, width)
        self.proj_clip = _linear_norm(clip_dim, width)
        _init_official(self.modules())

    def forward(self, sam_tokens: torch.Tensor,
                clip_tokens: torch.Tensor) -> torch.Tensor:
        """Fuse ``sam_tokens`` [B, N, Cs] with ``clip_tokens`` [B, M, Cc].

        Returns:
            Tensor: [B, N, width] (no residual to the input).
        """
        return self.out_proj(
            self._decode(self.proj_visual(sam_tokens),
                         self.proj_clip(clip_tokens)))
