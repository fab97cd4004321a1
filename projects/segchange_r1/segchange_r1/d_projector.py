"""DProjector: one text-conditioned query vector per image."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS

_MODES = ('official', 'masked')


@MODELS.register_module()
class DProjector(BaseModule):
    """Project a description into visual space and let it attend to pixels.

    Paper section 3.4 ("D-Projector", Fig. 4); official class
    ``models/masks/d_projector.py::DProjector``. The description's token
    embeddings are averaged, projected to the visual width (a linear layer,
    or identity when the widths agree), used as the query of a
    multi-head cross-attention over all pixels, and passed with a residual
    through a linear layer.

    ``mode='official'`` averages over every token, padding included, as the
    released code does; ``mode='masked'`` averages over the real tokens
    only, so a prompt's vector does not depend on the longest prompt of
    its batch.

    Args:
        visual_channels (int): Width of the visual features.
        text_channels (int): Width of the text embeddings.
        num_heads (int): Cross-attention heads. Defaults to 8.
        mode (str): 'official' or 'masked'. Defaults to 'masked'.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 visual_channels: int,
                 text_channels: int,
                 num_heads: int = 8,
                 mode: str = 'masked',
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in _MODES:
            raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
        self.mode = mode
        self.text_to_visual = nn.Linear(
            text_channels, visual_channels
        ) if text_channels != visual_channels else nn.Identity()
        self.cross_attn = nn.MultiheadAttention(
            visual_channels, num_heads, batch_first=True)
        self.out_proj = nn.Linear(visual_channels, visual_channels)

    def pool_text(self, text: torch.Tensor,
                  mask: Optional[torch.Tensor]) -> torch.Tensor:
        """Average the token embeddings of each description.

        Args:
            text (Tensor): (B, T, D) token embeddings.
            mask (Tensor, optional): (B, T) True for real tokens.

        Returns:
            Tensor: (B, D) description vectors.
        """
        if self.mode == 'official' or mask is None:
            return text.mean(dim=1)
        weights = mask.to(text.dtype).unsqueeze(-1)
        return (text * weights).sum(1) / weights.sum(1).clamp(min=1)

    def forward(self, text: torch.Tensor, mask: Optional[torch.Tensor],
                visual: torch.Tensor) -> torch.Tensor:
        """One query vector per image.

        Args:
            text (Tensor): (B, T, D) token embeddings.
            mask (Tensor, optional): (B, T) True for real tokens.
            visual (Tensor): (B, C, H, W) visual features.

        Returns:
            Tensor: (B, C) text-conditioned query vectors.
        """
        query = self.text_to_visual(self.pool_text(text, mask)).unsqueeze(1)
        pixels = visual.flatten(2).transpose(1, 2)
        attended, _ = self.cross_attn(query, pixels, pixels,
                                      need_weights=False)
        return self.out_proj(attended + query).squeeze(1)
