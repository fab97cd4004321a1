"""SAM's windowed attention computed for the real tokens only.

SAM pads the token grid with zeros up to a multiple of the window size
before a windowed block (a 16 x 16 grid becomes 28 x 28 for window 14) and
crops the padding off after the attention. The padded tokens' outputs are
discarded, and their keys and values are those of a zero input: the
``qkv`` bias. :func:`real_token_window_attention` therefore projects only
the real tokens, gives the padded keys and values the bias, and attends
from the real queries only; the result equals SAM's up to float rounding.
At 256 x 256 inputs this skips two thirds of the windowed blocks'
projection and attention work.
"""
from typing import List, Tuple

import torch
import torch.nn.functional as F
from segment_anything.modeling.image_encoder import Attention, Block, \
    get_rel_pos
from torch import Tensor

# Windows along one axis that hold equally many real tokens: (first
# window, number of windows, real tokens in each).
Span = Tuple[int, int, int]


def window_spans(length: int, window: int) -> List[Span]:
    """The windows along an axis of ``length`` real tokens in groups of
    equal fill: the full windows, then the partly padded last one.

    Args:
        length (int): Real tokens along the axis.
        window (int): Window size.

    Returns:
        list[tuple[int, int, int]]: ``(first, count, real)`` per group.
    """
    full, rest = divmod(length, window)
    spans = [(0, full, window)] if full else []
    return spans + [(full, 1, rest)] if rest else spans


def _padded(kv: Tensor, bias: Tensor, window: int) -> Tensor:
    """Keys and values ``kv`` [B, H, W, 2C] padded to multiples of
    ``window`` with ``bias`` [2C] (what SAM's zero padding gives after the
    projection); every element is written once."""
    batch, height, width, channels = kv.shape
    padded_h = -(-height // window) * window
    padded_w = -(-width // window) * window
    if (padded_h, padded_w) == (height, width):
        return kv
    padded = kv.new_empty(batch, padded_h, padded_w, channels)
    bias = bias.to(kv.dtype)
    padded[:, height:] = bias
    padded[:, :height, width:] = bias
    padded[:, :height, :width] = kv
    return padded


def _span_windows(x: Tensor, rows: Span, cols: Span, size_h: int,
                  size_w: int, window: int, heads: int) -> Tensor:
    """The top-left ``size_h x size_w`` tokens of the windows in ``rows``
    x ``cols`` from a grid ``x`` [B, H, W, C] that holds them (whole
    windows or just those tokens): [B * windows, heads, size_h * size_w,
    C / heads]."""
    (row, count_r, _), (col, count_c, _) = rows, cols
    part = x[:, row * window:row * window + count_r * size_h,
             col * window:col * window + count_c * size_w]
    part = part.unflatten(1, (count_r, size_h)).unflatten(3,
                                                          (count_c, size_w))
    part = part.permute(0, 1, 3, 2, 4, 5)
    return part.reshape(-1, size_h * size_w, heads,
                        part.shape[-1] // heads).transpose(1, 2)


def _relative_bias(q: Tensor, table_h: Tensor, table_w: Tensor,
                   size_h: int, size_w: int) -> Tensor:
    """SAM's decomposed relative-position term (``add_decomposed_rel_pos``)
    of queries ``q`` [N, heads, size_h * size_w, C'] at the top-left of
    their windows against all keys of the window: [N, heads, queries,
    window ** 2]."""
    grid = q.unflatten(2, (size_h, size_w))
    rel_h = torch.einsum('nahwc,hkc->nahwk', grid, table_h[:size_h])
    rel_w = torch.einsum('nahwc,wkc->nahwk', grid, table_w[:size_w])
    return pairwise_sum(rel_h, rel_w).flatten(2, 3)


def pairwise_sum(rel_h: Tensor, rel_w: Tensor) -> Tensor:
    """All sums ``rel_h[..., i] + rel_w[..., j]`` as one contiguous tensor
    [..., Kh * Kw] (SAM's decomposed relative-position mask, ``i`` the key
    row, ``j`` the key column).

    In float32 a broadcast add into a contiguous buffer. In bf16/fp16 a
    product with a 0/1 matrix, several times faster than the reduced
    precision broadcast add on CPUs and equal to it bit for bit: each
    entry is one float32 sum of two products by 1, rounded once.

    Args:
        rel_h (Tensor): [..., Kh].
        rel_w (Tensor): [..., Kw], same leading shape and dtype.

    Returns:
        Tensor: [..., Kh * Kw].
    """
    rows, cols = rel_h.shape[-1], rel_w.shape[-1]
    if rel_h.dtype == torch.float32:
        out = rel_h.new_empty(*rel_h.shape, cols)
        torch.add(rel_h[..., None], rel_w[..., None, :], out=out)
        return out.flatten(-2)
    keys = torch.arange(rows * cols, device=rel_h.device)
    spread = rel_h.new_zeros(rows + cols, rows * cols)
    spread[keys // cols, keys] = 1
    spread[rows + keys % cols, keys] = 1
    return torch.cat([rel_h, rel_w], dim=-1) @ spread


def real_token_window_attention(attn: Attention, x: Tensor,
                                window: int) -> Tensor:
    """SAM's windowed attention (zero-pad to a multiple of ``window``,
    partition, ``attn``, unpartition, crop) computed for the real tokens
    only (see the module doc).

    Args:
        attn (Attention): The block's SAM attention.
        x (Tensor): Normalised tokens [B, H, W, C].
        window (int): The block's window size.

    Returns:
        Tensor: [B, H, W, C], SAM's windowed attention of ``x``.
    """
    batch, height, width, channels = x.shape
    heads = attn.num_heads
    q, kv = attn.qkv(x).split([channels, 2 * channels], dim=-1)
    bias = attn.qkv.bias[channels:] if attn.qkv.bias is not None else \
        kv.new_zeros(2 * channels)
    kv = _padded(kv, bias, window)
    tables = (get_rel_pos(window, window, attn.rel_pos_h),
              get_rel_pos(window, window, attn.rel_pos_w)) \
        if attn.use_rel_pos else None
    rows_out = []
    for rows in window_spans(height, window):
        cols_out = []
        for cols in window_spans(width, window):
            size_h, size_w = rows[2], cols[2]
            q_part = _span_windows(q, rows, cols, size_h, size_w, window,
                                   heads)
            k, v = _span_windows(kv, rows, cols, window, window, window,
                                 2 * heads).chunk(2, dim=1)
            mask = None if tables is None else \
                _relative_bias(q_part, *tables, size_h, size_w)
            out = F.scaled_dot_product_attention(q_part, k, v,
                                                 attn_mask=mask,
                                                 scale=attn.scale)
            out = out.reshape(batch, rows[1], cols[1], heads, size_h,
                              size_w, -1).permute(0, 1, 4, 2, 5, 3, 6)
            cols_out.append(out.reshape(batch, rows[1] * size_h,
                                        cols[1] * size_w, channels))
        rows_out.append(torch.cat(cols_out, dim=2))
    return attn.proj(torch.cat(rows_out, dim=1))


class RealTokenBlock(Block):
    """SAM's ``Block`` whose windowed attention runs on the real tokens
    only (:func:`real_token_window_attention`); same parameters and names.
    Global blocks run unchanged."""

    def forward(self, x: Tensor) -> Tensor:
        if self.window_size <= 0:
            return super().forward(x)
        x = x + real_token_window_attention(self.attn, self.norm1(x),
                                            self.window_size)
        return x + self.mlp(self.norm2(x))
