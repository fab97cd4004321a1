"""CLIPDenseEncoder: projected CLIP ViT embeddings of every image token."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from open_clip.transformer import VisionTransformer

from changefine_mm.models.utils.frozen_pretrained import freeze_pretrained
from changefine_mm.models.utils.traceable_attention import \
    clip_residual_block


class Adapter(nn.Module):
    """Residual bottleneck ``x + up(GELU(down(x)))`` without biases.

    Official ``Adapter`` of ``models/clip/model.py`` (reduction 4).

    Args:
        dim (int): Token width.
        reduction (int): Bottleneck reduction factor.
    """

    def __init__(self, dim: int, reduction: int = 4) -> None:
        super().__init__()
        self.down_project = nn.Linear(dim, dim // reduction, bias=False)
        self.up_project = nn.Linear(dim // reduction, dim, bias=False)
        self.activation = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.up_project(self.activation(self.down_project(x)))


class CLIPDenseEncoder(nn.Module):
    """Frozen CLIP ViT giving a global and a dense projected embedding.

    Official ``CLIPVisionTransformer(get_embeddings=True)`` (ChangeFine's
    ``clip_image_encoder``, spec section 2.1): ``ln_post`` and ``proj`` are
    applied to *all* tokens, giving the CLS embedding and a map of the patch
    embeddings in the joint CLIP space.

    Positional embedding: resized once, at construction, from the
    pre-training grid to ``pos_grid`` (official: the training input size /
    16), then bilinearly to the token grid at every forward (a no-op at
    ``pos_grid``).

    While tracing (ONNX export) the blocks run through
    :func:`~changefine_mm.models.utils.traceable_attention.clip_residual_block`,
    which equals them and keeps the token count dynamic.

    ``official=True`` reproduces two quirks of the official class:

    * the class embedding is added a second time, inside the positional
      term of the CLS token;
    * an :class:`Adapter` follows each block. Its weights are random and
      never trained (the official forward runs under ``no_grad``), so they
      are frozen here but kept in the state dict, where official
      checkpoints store their values.

    With ``official=False`` (paper mode) there are no adapters: random,
    untrained adapters only perturb the pretrained CLIP features, and
    training them would need back-propagation through the whole CLIP ViT
    for both dates, which the method description (frozen encoders) does
    not call for.

    Args:
        visual (VisionTransformer): open_clip's CLIP vision tower (OpenAI
            layout); it is frozen and kept out of state dicts.
        pos_grid (tuple[int, int]): Token grid of the stored positional
            embedding.
        official (bool): Reproduce the official quirks (see above).
        fused_attention (bool): Run the blocks with ``clip_residual_block``
            (``F.scaled_dot_product_attention``) instead of
            ``nn.MultiheadAttention`` (equal up to float rounding).
    """

    def __init__(self, visual: VisionTransformer, pos_grid: Tuple[int, int],
                 official: bool, fused_attention: bool = False) -> None:
        super().__init__()
        if not isinstance(visual, VisionTransformer):
            raise TypeError('CLIPDenseEncoder needs a CLIP ViT, got '
                            f'{type(visual).__name__}')
        _resize_positional_embedding(visual, pos_grid)
        self.visual = freeze_pretrained(visual)
        self.pos_grid = tuple(pos_grid)
        self.official = official
        self.fused_attention = fused_attention
        self.adapters = None
        if official:
            width = visual.conv1.out_channels
            self.adapters = nn.ModuleList(
                Adapter(width) for _ in visual.transformer.resblocks)
            self.adapters.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Encode images [B, 3, H, W] (H, W multiples of the patch size).

        Returns:
            tuple[Tensor]: global embedding [B, E] and local embeddings
            [B, E, H/patch, W/patch].
        """
        visual = self.visual
        patches = visual.conv1(x)
        batch, width, height, grid_w = patches.shape
        tokens = patches.flatten(2).transpose(1, 2)
        cls = visual.class_embedding.to(tokens.dtype).expand(batch, 1, -1)
        tokens = torch.cat([cls, tokens], dim=1)
        tokens = visual.ln_pre(tokens + self._positions(height, grid_w))
        # nn.MultiheadAttention fixes the token count in an ONNX trace; the
        # trace runs the equal, length-agnostic form.
        direct = torch.jit.is_tracing() or self.fused_attention
        for i, block in enumerate(visual.transformer.resblocks):
            tokens = clip_residual_block(block, tokens) if direct else \
                block(tokens)
            if self.adapters is not None:
                tokens = self.adapters[i](tokens)
        tokens = visual.ln_post(tokens) @ visual.proj
        local = tokens[:, 1:].transpose(1, 2).reshape(batch, -1, height,
                                                      grid_w)
        return tokens[:, 0], local

    def _positions(self, height: int, width: int) -> torch.Tensor:
        pos = self.visual.positional_embedding
        cls_pos = pos[:1]
        if self.official:
            cls_pos = cls_pos + self.visual.class_embedding
        grid = pos[1:].reshape(1, *self.pos_grid, -1).permute(0, 3, 1, 2)
        # Always resized (a no-op at the built grid): a size test would be
        # frozen by an ONNX trace.
        grid = F.interpolate(grid, size=(height, width), mode='bilinear',
                             align_corners=False)
        return torch.cat([cls_pos, grid.flatten(2)[0].t()], dim=0)


def _resize_positional_embedding(visual: VisionTransformer,
                                 grid: Tuple[int, int]) -> None:
    pos = visual.positional_embedding.data
    old = round((pos.shape[0] - 1)**0.5)
    if (old, old) == tuple(grid):
        return
    spatial = pos[1:].reshape(1, old, old, -1).permute(0, 3, 1, 2)
    spatial = F.interpolate(spatial, size=tuple(grid), mode='bilinear',
                            align_corners=False)
    visual.positional_embedding = nn.Parameter(
        torch.cat([pos[:1], spatial.flatten(2)[0].t()], dim=0),
        requires_grad=False)
