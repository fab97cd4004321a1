"""CLIPTextContextEncoder: CLIP's text tower with learnable context tokens."""
from typing import Optional

import torch
from open_clip.transformer import QuickGELU, TextTransformer
from torch import nn

from changefine_mm.models.utils.clip_tower_loading import init_from_clip
from changefine_mm.registry import MODELS


@MODELS.register_module()
class CLIPTextContextEncoder(TextTransformer):
    """Encode tokenised prompts with learnable context after the start token.

    The text encoder of CLIP-text-conditioned change detectors: official
    ``CLIPTextContextEncoder`` of DenseCLIP and ChangeCLIP
    (``mmseg/models/backbones/clip_backbone.py``), together with the context
    parameter ``contexts2`` that ChangeCLIP's detector (and CLIPFormer's)
    holds and passes in. It is open_clip's ``TextTransformer`` (OpenAI
    parameter names); between the start token and the prompt's words it
    inserts ``context_length - token_length`` learnable embeddings shared
    by all prompts, and pools at the end-of-text token as CLIP does.

    Args:
        context_length (int): Total sequence length (positional embedding
            size). Defaults to 77, CLIP's.
        token_length (int): Length of the tokenised prompts; the rest of
            ``context_length`` is learnable context. Defaults to 64.
        vocab_size (int): Token vocabulary size. Defaults to 49408.
        transformer_width (int): Width. Defaults to 512.
        transformer_heads (int): Heads. Defaults to 8.
        transformer_layers (int): Depth. Defaults to 12.
        embed_dim (int): Output (joint space) dimension: 1024 for RN50,
            512 for ViT-B/16. Defaults to 1024.
        clip_checkpoint (str, optional): Local CLIP checkpoint whose text
            weights :meth:`init_weights` loads (the positional embedding is
            cut to ``context_length``).
    """

    def __init__(self,
                 context_length: int = 77,
                 token_length: int = 64,
                 vocab_size: int = 49408,
                 transformer_width: int = 512,
                 transformer_heads: int = 8,
                 transformer_layers: int = 12,
                 embed_dim: int = 1024,
                 clip_checkpoint: Optional[str] = None) -> None:
        if not 0 < token_length <= context_length:
            raise ValueError(f'token_length ({token_length}) must be in '
                             f'1..context_length ({context_length})')
        super().__init__(
            context_length=context_length,
            vocab_size=vocab_size,
            width=transformer_width,
            heads=transformer_heads,
            layers=transformer_layers,
            output_dim=embed_dim,
            act_layer=QuickGELU)
        self.token_length = token_length
        self.embed_dim = embed_dim
        self.clip_checkpoint = clip_checkpoint
        self.contexts = nn.Parameter(
            torch.empty(1, 1, context_length - token_length,
                        transformer_width))
        # Official init: standard normal truncated at +-2.
        nn.init.trunc_normal_(self.contexts)

    def init_weights(self) -> None:
        """Load the text weights of ``clip_checkpoint`` if given."""
        init_from_clip(self, self.clip_checkpoint, 'text',
                       'positional_embedding', own_keys=('contexts', ))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Embed prompts.

        Args:
            tokens (Tensor): (N, K, token_length) token ids: K prompts for
                each of N images.

        Returns:
            Tensor: (N, K, embed_dim) text embeddings.
        """
        num, prompts, length = tokens.shape
        if length != self.token_length:
            raise ValueError(f'expected prompts of {self.token_length} '
                             f'tokens, got {length}')
        words = self.token_embedding(tokens)  # (N, K, L, C)
        context = self.contexts.expand(num, prompts, -1, -1)
        x = torch.cat([words[:, :, :1], context, words[:, :, 1:]], dim=2)
        x = x.reshape(num * prompts, self.context_length, -1)
        x = x + self.positional_embedding.to(x.dtype)
        x = self.ln_final(self.transformer(x, attn_mask=self.attn_mask))
        # The end-of-text token has the largest id; the context shifts it.
        eot = tokens.argmax(dim=-1).reshape(-1) + context.shape[2]
        x = x[torch.arange(x.shape[0], device=x.device), eot]
        return (x @ self.text_projection).reshape(num, prompts, -1)
