"""``nn.MultiheadAttention`` and open_clip's residual block written so that
an ONNX trace keeps the sequence length dynamic.

The TorchScript-based ONNX exporter freezes the target length of
``F.multi_head_attention_forward`` (``tgt_len`` goes into a ``view`` as a
Python number), so a graph exported at one image size fails at another.
The functions here compute the same attention with ``-1`` in the reshapes.
Models call them only while tracing and keep the PyTorch modules otherwise.
"""
import torch.nn.functional as F
from open_clip.transformer import ResidualAttentionBlock
from torch import Tensor, nn


def _split_heads(x: Tensor, heads: int) -> Tensor:
    """[B, L, E] -> [B, heads, L, E / heads]."""
    return x.unflatten(-1, (heads, -1)).transpose(1, 2)


def multihead_attention(mha: nn.MultiheadAttention, query: Tensor,
                        key: Tensor, value: Tensor) -> Tensor:
    """``mha(query, key, value, need_weights=False)[0]`` without masks.

    Args:
        mha (nn.MultiheadAttention): Packed in-projection, no ``bias_k`` /
            ``bias_v``, no zero attention.
        query (Tensor): [B, L, E] if ``mha.batch_first`` else [L, B, E].
        key (Tensor): [B, S, E] (or [S, B, E]).
        value (Tensor): Same shape as ``key``.

    Returns:
        Tensor: Attention output, same layout as ``query``.

    Raises:
        ValueError: For an ``nn.MultiheadAttention`` with separate
            projection weights, key/value biases or zero attention.
    """
    if not mha._qkv_same_embed_dim or mha.bias_k is not None or \
            mha.add_zero_attn:
        raise ValueError('multihead_attention supports nn.MultiheadAttention '
                         'with one packed in-projection, no bias_k/bias_v '
                         'and add_zero_attn=False')
    if not mha.batch_first:
        query, key, value = (x.transpose(0, 1) for x in (query, key, value))
    weights = mha.in_proj_weight.chunk(3)
    biases = (mha.in_proj_bias.chunk(3) if mha.in_proj_bias is not None else
              (None, ) * 3)
    q, k, v = (_split_heads(F.linear(x, w, b), mha.num_heads)
               for x, w, b in zip((query, key, value), weights, biases))
    out = F.scaled_dot_product_attention(
        q, k, v, dropout_p=mha.dropout if mha.training else 0.)
    out = mha.out_proj(out.transpose(1, 2).flatten(2))
    return out if mha.batch_first else out.transpose(0, 1)


def clip_residual_block(block: ResidualAttentionBlock, x: Tensor) -> Tensor:
    """``block(x)`` for an open_clip self-attention block without mask,
    with :func:`multihead_attention`.

    Args:
        block (ResidualAttentionBlock): An open_clip transformer block.
        x (Tensor): Tokens in the layout of ``block.attn``.

    Returns:
        Tensor: Same shape as ``x``.
    """
    y = block.ln_1(x)
    x = x + block.ls_1(multihead_attention(block.attn, y, y, y))
    return x + block.ls_2(block.mlp(block.ln_2(x)))
