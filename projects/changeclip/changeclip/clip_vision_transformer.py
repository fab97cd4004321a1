"""CLIPVisionTransformer: CLIP's ViT as a four-scale dense backbone."""
import math
from typing import List, Optional, Sequence, Tuple

import torch
from mmcv.cnn.bricks import DropPath
from open_clip.transformer import (QuickGELU, ResidualAttentionBlock,
                                   VisionTransformer)
from torch import nn

from changefine_mm.models.utils.clip_tower_loading import (
    init_from_clip, interpolate_pos_embed)
from changefine_mm.registry import MODELS

# Output strides of the four feature maps.
_STRIDES = (4, 8, 16, 32)


def _rescale(width: int, factor: float) -> nn.Sequential:
    """GroupNorm, then transposed convolutions (up) or max pooling (down).

    Builds ChangeCLIP's ``fpn1``..``fpn4`` adapters: each up-sampling by 2
    is a stride-2 transposed convolution, with BatchNorm + GELU between two
    of them.
    """
    layers: List[nn.Module] = [nn.GroupNorm(1, width)]
    if factor > 1:
        for i in range(round(math.log2(factor))):
            if i:
                layers += [nn.BatchNorm2d(width), nn.GELU()]
            layers.append(nn.ConvTranspose2d(width, width, 2, stride=2))
    elif factor < 1:
        kernel = round(1 / factor)
        layers.append(nn.MaxPool2d(kernel_size=kernel, stride=kernel))
    return nn.Sequential(*layers)


def _block_with_drop_path(block: ResidualAttentionBlock, x: torch.Tensor,
                          drop_path: nn.Module) -> torch.Tensor:
    # open_clip's block has no stochastic depth; ChangeCLIP's has. Same
    # computation as ResidualAttentionBlock.forward otherwise.
    x = x + drop_path(block.ls_1(block.attention(block.ln_1(x))))
    return x + drop_path(block.ls_2(block.mlp(block.ln_2(x))))


@MODELS.register_module()
class CLIPVisionTransformer(VisionTransformer):
    """CLIP's ViT (e.g. ViT-B/16) returning four feature maps and embeddings.

    ChangeCLIP's image encoder for its ViT-B/16 variant (official
    ``CLIPVisionTransformer`` of ``mmseg/models/backbones/clip_backbone.py``,
    from DenseCLIP). It is open_clip's ``VisionTransformer`` (OpenAI
    parameter names) that taps the patch tokens after the blocks in
    ``out_indices``, brings them to strides 4/8/16/32 with the
    ``fpn1``..``fpn4`` adapters, and projects all tokens of the last block
    (``ln_post`` then ``proj``) into the joint space.

    As in the official code the class token's positional embedding gets the
    class embedding added a second time, and the positional embedding is
    resized bilinearly to the input's grid at every forward.

    Args:
        input_resolution (int): Sets the positional-embedding grid
            (``input_resolution // patch_size``); the checkpoint's is resized
            to it when loading. Defaults to 224.
        patch_size (int): 8, 16 or 32. Defaults to 16.
        width (int): Token width. Defaults to 768.
        layers (int): Depth. Defaults to 12.
        heads (int): Attention heads. Defaults to 12.
        output_dim (int): Joint embedding dimension. Defaults to 512.
        drop_path_rate (float): Stochastic depth at the last block (linear
            from 0). Defaults to 0.
        out_indices (sequence[int]): Blocks whose tokens feed the four
            feature maps. Defaults to (3, 5, 7, 11).
        clip_checkpoint (str, optional): Local CLIP checkpoint whose
            ``visual.*`` weights :meth:`init_weights` loads.
    """

    def __init__(self,
                 input_resolution: int = 224,
                 patch_size: int = 16,
                 width: int = 768,
                 layers: int = 12,
                 heads: int = 12,
                 output_dim: int = 512,
                 drop_path_rate: float = 0.,
                 out_indices: Sequence[int] = (3, 5, 7, 11),
                 clip_checkpoint: Optional[str] = None) -> None:
        if patch_size not in (8, 16, 32):
            raise ValueError(f'patch_size must be 8, 16 or 32, got '
                             f'{patch_size}')
        if len(out_indices) != len(_STRIDES) or max(out_indices) >= layers:
            raise ValueError(f'out_indices must name 4 of the {layers} '
                             f'blocks, got {list(out_indices)}')
        super().__init__(
            image_size=input_resolution,
            patch_size=patch_size,
            width=width,
            layers=layers,
            heads=heads,
            mlp_ratio=4.0,
            output_dim=output_dim,
            act_layer=QuickGELU)
        self.out_indices = tuple(out_indices)
        self.clip_checkpoint = clip_checkpoint
        rates = torch.linspace(0, drop_path_rate, layers).tolist()
        self.drop_paths = nn.ModuleList(
            DropPath(r) if r > 0 else nn.Identity() for r in rates)
        for i, stride in enumerate(_STRIDES, 1):
            self.add_module(f'fpn{i}', _rescale(width, patch_size / stride))

    def init_weights(self) -> None:
        """Load the ``visual.*`` weights of ``clip_checkpoint`` if given."""
        init_from_clip(self, self.clip_checkpoint, 'visual',
                       'positional_embedding', own_keys=('fpn', ))

    def forward(self, x: torch.Tensor) -> Tuple:
        """Encode one date.

        Args:
            x (Tensor): Images (B, 3, H, W).

        Returns:
            tuple: Feature maps (B, width, .) at strides 4, 8, 16, 32 and,
            last, the pair (global embedding (B, D), dense embedding (B, D,
            H/p, W/p)), p being the patch size.
        """
        x = self.conv1(x)
        batch, channels, height, width = x.shape
        tokens = x.flatten(2).transpose(1, 2)
        cls_token = self.class_embedding.to(tokens.dtype).expand(batch, 1, -1)
        tokens = torch.cat([cls_token, tokens], dim=1)
        pos = interpolate_pos_embed(self.positional_embedding, (height, width))
        pos = torch.cat([pos[:1] + self.class_embedding, pos[1:]])
        tokens = self.ln_pre(tokens + pos.to(tokens.dtype))
        maps = []
        for i, block in enumerate(self.transformer.resblocks):
            tokens = _block_with_drop_path(block, tokens, self.drop_paths[i])
            if i in self.out_indices:
                maps.append(tokens[:, 1:].transpose(1, 2).reshape(
                    batch, channels, height, width))
        outs = [
            getattr(self, f'fpn{i}')(feature)
            for i, feature in enumerate(maps, 1)
        ]
        embedding = self.ln_post(tokens) @ self.proj
        dense = embedding[:, 1:].transpose(1, 2).reshape(
            batch, -1, height, width)
        outs.append((embedding[:, 0], dense))
        return tuple(outs)
