"""Pre-norm transformer decoders in which query tokens read memory tokens.

These are the two attention blocks of ChangeFine's SCFE fusion (official
``models/clip/model.py``), both built from DenseCLIP's decoder layers
(:class:`~changefine_mm.models.utils.transformer_decoder_layer.DecoderLayer`):

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
import torch
import torch.nn as nn

from changefine_mm.models.utils.transformer_decoder_layer import DecoderLayer
from changefine_mm.models.utils.weight_init import init_transformer_weights


def _linear_norm(in_dim: int, out_dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_dim, out_dim), nn.LayerNorm(out_dim))


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
        init_transformer_weights(self.modules())

    def forward(self, text: torch.Tensor,
                visual: torch.Tensor) -> torch.Tensor:
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
        init_transformer_weights(self.modules())

    def forward(self, sam_tokens: torch.Tensor,
                clip_tokens: torch.Tensor) -> torch.Tensor:
        """Fuse ``sam_tokens`` [B, N, Cs] with ``clip_tokens`` [B, M, Cc].

        Returns:
            Tensor: [B, N, width] (no residual to the input).
        """
        return self.out_proj(
            self._decode(self.proj_visual(sam_tokens),
                         self.proj_clip(clip_tokens)))
