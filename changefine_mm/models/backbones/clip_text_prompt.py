"""CoOp class prompts encoded by CLIP's text tower.

* :class:`CoOpPromptLearner` (official ``PromptLearner``, generic context,
  class token at the end): the token sequence of class k is
  ``[SOS] X X X X <class name> . [EOS]`` where the embeddings of the ``X``
  placeholders are replaced by ``n_ctx`` shared context vectors ``ctx``.
* :class:`CLIPTextEncoder` (official ``TextEncoder``): CLIP's text
  transformer applied to prompt embeddings, pooled at the end-of-text token
  and projected to the joint embedding space.
"""
from typing import Sequence

import open_clip
import torch
import torch.nn as nn
from open_clip.model import CLIP


class CLIPTextEncoder(nn.Module):
    """CLIP's text tower taking prompt embeddings instead of token ids.

    Holds the transformer, positional embedding, final LayerNorm and text
    projection of ``clip`` (not the token embedding, which the prompt
    learner uses once).

    Args:
        clip (CLIP): An open_clip CLIP model (OpenAI layout).
    """

    def __init__(self, clip: CLIP) -> None:
        super().__init__()
        self.transformer = clip.transformer
        self.positional_embedding = clip.positional_embedding
        self.ln_final = clip.ln_final
        self.text_projection = clip.text_projection
        self.register_buffer('attn_mask', clip.attn_mask, persistent=False)

    def forward(self, prompts: torch.Tensor,
                eot_indices: torch.Tensor) -> torch.Tensor:
        """Encode prompt embeddings.

        Args:
            prompts (Tensor): Token embeddings [K, L, width]. L may be
                shorter than the context length, down to the last
                end-of-text position + 1: the tower is causal, so the
                tokens after an end-of-text token do not change its
                feature.
            eot_indices (Tensor): Position of each prompt's end-of-text
                token [K].

        Returns:
            Tensor: Text embeddings [K, embed_dim].
        """
        length = prompts.shape[1]
        x = prompts + self.positional_embedding[:length]
        x = self.ln_final(
            self.transformer(x, attn_mask=self.attn_mask[:length, :length]))
        pooled = x[torch.arange(x.shape[0], device=x.device), eot_indices]
        return pooled @ self.text_projection


class CoOpPromptLearner(nn.Module):
    """Learnable generic context shared by all class prompts (CoOp).

    The SOS and class-name/EOS token embeddings are non-persistent buffers
    computed from the current class names, so checkpoints never carry stale
    names (the official class stores them as ``token_prefix`` /
    ``token_suffix`` buffers; they are dropped when official weights are
    loaded). ``ctx`` is in the state dict.

    Args:
        class_names (Sequence[str]): Class names (``-`` becomes a space, as
            in the official code).
        token_embedding (nn.Embedding): CLIP's token embedding.
        context_length (int): CLIP's text context length.
        n_ctx (int): Number of context vectors.
        init_std (float): Std of the normal initialisation of ``ctx``.
        learnable (bool): Whether ``ctx`` requires gradients.
    """

    def __init__(self, class_names: Sequence[str],
                 token_embedding: nn.Embedding, context_length: int,
                 n_ctx: int = 4, init_std: float = 0.02,
                 learnable: bool = True) -> None:
        super().__init__()
        if not class_names:
            raise ValueError('class_names must name at least one class')
        placeholder = ' '.join(['X'] * n_ctx)
        prompts = [
            f'{placeholder} {name.replace("-", " ")}.' for name in class_names
        ]
        with torch.device('cpu'):  # readable even in a meta-device build
            tokens = open_clip.tokenize(prompts,
                                        context_length=context_length)
        # Prompt positions up to the last end-of-text token (the largest
        # id of the vocabulary): all that the causal text tower needs (see
        # CLIPTextEncoder).
        self.used_length = int(tokens.argmax(dim=-1).max()) + 1
        tokens = tokens.to(token_embedding.weight.device)
        with torch.no_grad():
            embedding = token_embedding(tokens)
        self.register_buffer('token_prefix', embedding[:, :1].clone(),
                             persistent=False)
        self.register_buffer('token_suffix', embedding[:, 1 + n_ctx:].clone(),
                             persistent=False)
        # The end-of-text token has the largest id of the vocabulary.
        self.register_buffer('eot_indices', tokens.argmax(dim=-1),
                             persistent=False)
        ctx = torch.empty(n_ctx, embedding.shape[-1],
                          device=embedding.device)
        nn.init.normal_(ctx, std=init_std)
        self.ctx = nn.Parameter(ctx, requires_grad=learnable)

    def forward(self) -> torch.Tensor:
        """Prompt embeddings [K, context_length, width]."""
        num_classes = self.token_prefix.shape[0]
        ctx = self.ctx.unsqueeze(0).expand(num_classes, -1, -1)
        return torch.cat([self.token_prefix, ctx, self.token_suffix], dim=1)
