"""ContextDecoder: prompt embeddings refined by the image's visual context."""
import torch
from mmengine.model import BaseModule
from torch import nn

from changefine_mm.models.utils.transformer_decoder_layer import DecoderLayer
from changefine_mm.models.utils.weight_init import init_transformer_weights
from changefine_mm.registry import MODELS


@MODELS.register_module()
class ContextDecoder(BaseModule):
    """Let the text embeddings attend to the image's visual context.

    DenseCLIP's "context-aware prompting" (official ``ContextDecoder``),
    the vision-language interaction of ChangeCLIP (``clip_backbone.py``) and
    CLIPFormer: the text embeddings (queries) and the visual context
    (global + dense image embeddings, the memory) are projected to
    ``transformer_width``, decoded by ``transformer_layers`` DenseCLIP
    decoder layers and projected back to ``visual_dim``. The detector adds
    the result, scaled by a learnable ``gamma``, to the text embeddings.
    Parameter names are the official ones.

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
            DecoderLayer(transformer_width, transformer_heads, dropout)
            for _ in range(transformer_layers))
        self.out_proj = nn.Sequential(
            nn.LayerNorm(transformer_width),
            nn.Linear(transformer_width, visual_dim))
        init_transformer_weights(self.modules())

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
