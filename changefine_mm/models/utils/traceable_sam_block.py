"""Run a segment-anything ViT block with its sizes kept as tensors, so that
an ONNX trace of it stays correct at other input sizes."""
from typing import Iterable, Tuple

import torch
import torch.nn.functional as F
from segment_anything.modeling.image_encoder import Attention, Block
from torch import Tensor

from .sam_window_attention import RealTokenBlock, pairwise_sum


def relative_position_table(size, rel_pos: Tensor) -> Tensor:
    """Relative-position embeddings of a length-``size`` axis whose queries
    and keys share the grid (SAM's ``get_rel_pos`` with q_size = k_size).

    SAM resizes the table with ``int(2 * size - 1)`` and skips the resize
    when the length already fits; a trace would freeze both. Here the
    length stays a tensor and the resize always runs (linear resizing to the
    same length returns the table unchanged).

    Args:
        size (int | Tensor): Tokens along the axis (traced while exporting).
        rel_pos (Tensor): [L, C] learned table.

    Returns:
        Tensor: [size, size, C], entry (q, k) for offset q - k.
    """
    length = 2 * size - 1
    resized = F.interpolate(rel_pos.t()[None], size=length, mode='linear')
    coords = torch.arange(size, device=rel_pos.device)
    return resized[0].t()[coords[:, None] - coords[None] + size - 1]


def _relative_position_terms(attn: Attention, q: Tensor, height,
                             width) -> Tuple[Tensor, Tensor]:
    """SAM's decomposed relative-position terms along the height
    [B*heads, H, W, H] and the width [B*heads, H, W, W]."""
    grid_q = q.reshape(q.shape[0], height, width, -1)
    rel_h = torch.einsum('bhwc,hkc->bhwk', grid_q,
                         relative_position_table(height, attn.rel_pos_h))
    rel_w = torch.einsum('bhwc,wkc->bhwk', grid_q,
                         relative_position_table(width, attn.rel_pos_w))
    return rel_h[:, :, :, :, None], rel_w[:, :, :, None, :]


def _attention(attn: Attention, x: Tensor, fused: bool = False) -> Tensor:
    """SAM's ``Attention.forward`` with :func:`relative_position_table`.

    ``fused=True`` computes the same attention with
    ``F.scaled_dot_product_attention``, the relative-position term as its
    additive mask (exact up to rounding: SAM adds it to the scaled logits
    before the softmax).
    """
    batch, height, width, _ = x.shape
    heads = attn.num_heads
    tokens = height * width
    qkv = attn.qkv(x).reshape(batch, tokens, 3, heads,
                              -1).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.reshape(3, batch * heads, tokens, -1).unbind(0)
    rel = _relative_position_terms(attn, q, height, width) \
        if attn.use_rel_pos else None
    if fused:
        bias = None if rel is None else \
            pairwise_sum(rel[0][..., 0], rel[1][..., 0, :]).reshape(
                -1, tokens, tokens)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias,
                                             scale=attn.scale)
    else:
        logits = (q * attn.scale) @ k.transpose(-2, -1)
        if rel is not None:
            logits = (logits.view(-1, height, width, height, width) +
                      rel[0] + rel[1]).view(-1, tokens, tokens)
        out = logits.softmax(dim=-1) @ v
    out = out.view(batch, heads, height, width, -1)
    return attn.proj(out.permute(0, 2, 3, 1, 4).reshape(
        batch, height, width, -1))


def _partition(x: Tensor, window: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Windows [B * n, window, window, C] and the padded height and width.

    SAM pads only ``if pad > 0``, which a trace would freeze; padding by
    zero rows is a no-op, so the pad always runs here.
    """
    batch, height, width, channels = x.shape
    pad_h = (window - height % window) % window
    pad_w = (window - width % window) % window
    x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    rows, cols = (height + pad_h) // window, (width + pad_w) // window
    windows = x.view(batch, rows, window, cols, window, channels)
    windows = windows.permute(0, 1, 3, 2, 4, 5).reshape(-1, window, window,
                                                        channels)
    return windows, rows, cols


def _unpartition(windows: Tensor, window: int, rows: Tensor, cols: Tensor,
                 height, width) -> Tensor:
    """Inverse of :func:`_partition`, without the padding."""
    channels = windows.shape[-1]
    x = windows.view(-1, rows, cols, window, window, channels)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(-1, rows * window,
                                            cols * window, channels)
    return x[:, :height, :width]


class FusedAttention(Attention):
    """SAM's ``Attention`` computed with ``F.scaled_dot_product_attention``
    (see :func:`_attention`); same parameters and names."""

    def forward(self, x: Tensor) -> Tensor:
        return _attention(self, x, fused=True)


def use_fused_attention(blocks: Iterable[Block]) -> None:
    """Make the attention of SAM blocks a :class:`FusedAttention` and the
    blocks :class:`RealTokenBlock` s in place (their weights, names and
    hooks stay; only the computation changes: windowed blocks skip the
    padded tokens).

    Args:
        blocks (Iterable[Block]): SAM image-encoder blocks.
    """
    for block in blocks:
        if type(block.attn) is not Attention or \
                not isinstance(block, Block):
            raise TypeError('use_fused_attention expects segment-anything '
                            'Attention in a segment-anything Block, got '
                            f'{type(block.attn).__name__} in '
                            f'{type(block).__name__}')
        block.attn.__class__ = FusedAttention
        block.__class__ = RealTokenBlock


def traceable_sam_block(block: Block, x: Tensor,
                        fused: bool = False) -> Tensor:
    """Equal to ``block(x)`` for a segment-anything ``Block``, but traceable
    at any grid size: the relative-position resize and the window padding
    depend on the traced sizes instead of Python numbers fixed at export.

    Args:
        block (Block): A SAM image-encoder block (windowed or global).
        x (Tensor): Tokens [B, H, W, C].
        fused (bool): Attention through ``F.scaled_dot_product_attention``
            (equal to float rounding; see :func:`_attention`).

    Returns:
        Tensor: [B, H, W, C].
    """
    shortcut = x
    x = block.norm1(x)
    window = block.window_size
    if window > 0:
        height, width = x.shape[1], x.shape[2]
        x, rows, cols = _partition(x, window)
        x = _unpartition(_attention(block.attn, x, fused), window, rows,
                         cols, height, width)
    else:
        x = _attention(block.attn, x, fused)
    x = shortcut + x
    return x + block.mlp(block.norm2(x))
