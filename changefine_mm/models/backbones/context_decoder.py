"""ContextDecoder: DenseCLIP's text refinement by the visual context."""
import torch
from mmengine.model import BaseModule
from torch import nn

from changefine_mm.registry import MODELS


class _DecoderLayer(nn.Module):
    """Pre-norm self-attention, cross-attention to memory, then an MLP.

    Dropout hits each attention output and the MLP (inside and after), not
    the attention weights, as in DenseCLIP's ``TransformerDecoderLayer``.
    """

    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.self_attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.cross_attn = nn.MultiheadAttention(
            width, heads, batch_first=True)
        self.norm3 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, width * 4), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(width * 4, width))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        q = self.norm1(x)
        x = x + self.dropout(self.self_attn(q, q, q, need_weights=False)[0])
        q = self.norm2(x)
        x = x + self.dropout(
            self.cross_attn(q, memory, memory, need_weights=False)[0])
        return x + self.dropout(self.mlp(self.norm3(x)))


@MODELS.register_module()
class ContextDecoder(BaseModule):
    """Let the text embeddings attend to the image's visual context.

    ChangeCLIP's vision-language interaction (official
    ``ContextDecoder`` of ``clip_backbone.py``, DenseCLIP's
    "context-aware prompting"): text embeddings (queries) and the visual
    context (global + dense embeddings) are projected to
    ``transformer_width``, decoded by ``transformer_layers`` layers and
    projected back; the detector adds the result, scaled by a learnable
    ``gamma``, to the text embeddings.

    Differences from the official layer: attention uses
    ``nn.MultiheadAttention``, whose q/k/v projections have biases.

    Args:
        transformer_width (int): Decoder width. Defaults to 256.
        transformer_heads (int): Heads. Defaults to 4.
        transformer_layers (int): Layers. Defaults to 6.
        visual_dim (int): Dimension of the text and visual embeddings (the
            joint space). Defaults to 1024.
        dropout (float): Dropout. Defaults to 0.1.
    """

    def __init__(self,
                 transformer_width: int = 256,
                 transformer_heads: int = 4,
                 transformer_layers: int = 6,
                 visual_dim: int = 1024,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.memory_proj = nn.Sequential(
            nn.LayerNorm(visual_dim), nn.Linear(visual_dim, transformer_width),
            nn.LayerNorm(transformer_width))
        self.text_proj = nn.Sequential(
            nn.LayerNorm(visual_dim), nn.Linear(visual_dim, transformer_width))
        self.decoder = nn.ModuleList(
            _DecoderLayer(transformer_width, transformer_heads, dropout)
            for _ in range(transformer_layers))
        self.out_proj = nn.Sequential(
            nn.LayerNorm(transformer_width),
            nn.Linear(transformer_width, visual_dim))
        self.apply(self._init_layer)

    @staticmethod
    def _init_layer(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.trunc_normal_(module.weight, std=.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def forward(self, text: torch.Tensor,
                visual: torch.Tensor) -> torch.Tensor:
        """Decode.

        Args:
            text (Tensor): (B, K, visual_dim) text embeddings.
            visual (Tensor): (B, N, visual_dim) visual context tokens.

        Returns:
            Tensor: (B, K, visual_dim) text update.
        """
        memory = self.memory_proj(visual)
        x = self.text_proj(text)
        for layer in self.decoder:
            x = layer(x, memory)
        return self.out_proj(x)
