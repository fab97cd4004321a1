"""Run a segment-anything ViT block with its sizes kept as tensors, so that
an ONNX trace of it stays correct at other input sizes."""
from typing import Tuple

import torch
import torch.nn.functional as F
from segment_anything.modeling.image_encoder import Attention, Block
from torch import Tensor


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


def _attention(attn: Attention, x: Tensor) -> Tensor:
    """SAM's ``Attention.forward`` with :func:`relative_position_table`."""
    batch, height, width, _ = x.shape
    heads = attn.num_heads
    qkv = attn.qkv(x).reshape(batch, height * width, 3, heads,
                              -1).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.reshape(3, batch * heads, height * width, -1).unbind(0)
    logits = (q * attn.scale) @ k.transpose(-2, -1)
    if attn.use_rel_pos:
        grid_q = q.reshape(batch * heads, height, width, -1)
        rel_h = torch.einsum('bhwc,hkc->bhwk', grid_q,
                             relative_position_table(height, attn.rel_pos_h))
        rel_w = torch.einsum('bhwc,wkc->bhwk', grid_q,
                             relative_position_table(width, attn.rel_pos_w))
        logits = (logits.view(batch * heads, height, width, height, width) +
                  rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).view(
                      batch * heads, height * width, height * width)
    out = (logits.softmax(dim=-1) @ v).view(batch, heads, height, width, -1)
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


def traceable_sam_block(block: Block, x: Tensor) -> Tensor:
    """Equal to ``block(x)`` for a segment-anything ``Block``, but traceable
    at any grid size: the relative-position resize and the window padding
    depend on the traced sizes instead of Python numbers fixed at export.

    Args:
        block (Block): A SAM image-encoder block (windowed or global).
        x (Tensor): Tokens [B, H, W, C].

    Returns:
        Tensor: [B, H, W, C].
    """
    shortcut = x
    x = block.norm1(x)
    window = block.window_size
    if window > 0:
        height, width = x.shape[1], x.shape[2]
        x, rows, cols = _partition(x, window)
        x = _unpartition(_attention(block.attn, x), window, rows, cols,
                         height, width)
    else:
        x = _attention(block.attn, x)
    x = shortcut + x
    return x + block.mlp(block.norm2(x))
