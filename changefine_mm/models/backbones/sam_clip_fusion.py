"""SAMCLIPFusion: the trainable part of ChangeFine's SCFE."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from changefine_mm.models.utils.mlp import Mlp
from .query_memory_decoder import CLIPSAMCrossAttention, TextContextAttention


class SAMCLIPFusion(nn.Module):
    """Inject CLIP semantics into SAM's last feature map (SCFE fusion).

    Official ``ChangeFine.fusion_clip_to_sam`` in prompt mode ``clipsam``
    (spec section 2.1, "Fusion"); sub-module names are the official ones:

    1. ``norm_sam``: LayerNorm of the SAM tokens (feeds the fusion only);
    2. CLIP tokens = [global; local] (1 + N tokens);
    3. ``context_visual_attn`` refines the class-text embeddings from the
       CLIP tokens; text <- text + ``gamma`` * refinement;
    4. ``cross_clip_sam``: SAM tokens query the CLIP tokens -> fused tokens;
    5. score map = fused tokens @ L2-normalised(text)^T (no temperature, the
       visual side is not normalised, in both modes: the paper's equation
       is not available to justify a change);
    6. ``embed_img_t`` maps concat(fused, score) back to the SAM width; the
       result is added to the *unnormalised* SAM map.

    ``mode='official'`` regularises ``embed_img_t`` with DropPath, as the
    official ``Mlp`` does; ``mode='paper'`` uses element dropout, the usual
    meaning of the MLP's drop rate. Evaluation is identical.

    Args:
        sam_dim (int): Width of the SAM map (768 for ViT-B).
        clip_dim (int): Width of the CLIP image/text embeddings (512); also
            the fusion width, since the score map multiplies fused tokens
            with text embeddings.
        num_classes (int): Number of class prompts K.
        num_heads (int): Attention heads of both decoders.
        num_layers (int): Layers of ``cross_clip_sam``.
        text_refine_layers (int): Layers of ``context_visual_attn``.
        gamma_init (float): Initial value of the text-refinement scale.
        drop (float): Dropout of the two decoders (official: fixed 0.1).
        embed_drop (float): Dropout / DropPath rate of ``embed_img_t``
            (official: the config's proj_drop, 0.1 or 0.2).
        mode (str): 'paper' or 'official' (see above).
    """

    def __init__(self, sam_dim: int, clip_dim: int, num_classes: int,
                 num_heads: int = 8, num_layers: int = 6,
                 text_refine_layers: int = 1, gamma_init: float = 1e-4,
                 drop: float = 0.1, embed_drop: float = 0.1,
                 mode: str = 'paper') -> None:
        super().__init__()
        self.norm_sam = nn.LayerNorm(sam_dim)
        self.gamma = nn.Parameter(torch.full((clip_dim, ), gamma_init))
        self.context_visual_attn = TextContextAttention(
            clip_dim, clip_dim, clip_dim, num_heads, text_refine_layers, drop)
        self.cross_clip_sam = CLIPSAMCrossAttention(
            sam_dim, clip_dim, clip_dim, num_heads, num_layers, drop)
        self.embed_img_t = Mlp(
            clip_dim + num_classes,
            hidden_features=4 * (clip_dim + num_classes),
            out_features=sam_dim,
            drop=embed_drop,
            drop_mode='path' if mode == 'official' else 'element')

    def forward(self, sam_map: torch.Tensor, clip_global: torch.Tensor,
                clip_local: torch.Tensor, text: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Fuse one date's SAM and CLIP features.

        Args:
            sam_map (Tensor): SAM map after the last tapped block
                [B, Cs, h, w].
            clip_global (Tensor): CLIP global embedding [B, Cc].
            clip_local (Tensor): CLIP local embeddings [B, Cc, h, w].
            text (Tensor): Class-prompt embeddings [K, Cc] (or [B, K, Cc]).

        Returns:
            tuple[Tensor]: the fused SAM map [B, Cs, h, w], the score map
            [B, h*w, K] and the refined text embeddings [B, K, Cc].
        """
        batch, sam_dim, height, width = sam_map.shape
        sam_tokens = self.norm_sam(sam_map.flatten(2).transpose(1, 2))
        clip_tokens = torch.cat(
            [clip_global[:, None], clip_local.flatten(2).transpose(1, 2)],
            dim=1)
        text = text.expand(batch, -1, -1)
        text = text + self.gamma * self.context_visual_attn(text, clip_tokens)
        fused = self.cross_clip_sam(sam_tokens, clip_tokens)
        score_map = fused @ F.normalize(text, dim=-1).transpose(1, 2)
        delta = self.embed_img_t(torch.cat([fused, score_map], dim=-1))
        delta = delta.transpose(1, 2).reshape(batch, sam_dim, height, width)
        return sam_map + delta, score_map, text
