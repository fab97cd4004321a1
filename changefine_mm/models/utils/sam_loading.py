"""Build segment-anything's ViT image encoder from a local SAM checkpoint.

The encoder is the installed ``segment_anything.modeling.ImageEncoderViT``,
configured as ``build_sam_vit_b`` does (LayerNorm eps 1e-6, relative
positions, windowed attention except in the global blocks). Weights come
from Meta's release files (``sam_vit_b_01ec64.pth``), whose keys are
``image_encoder.*``, ``prompt_encoder.*`` and ``mask_decoder.*``; only the
image encoder's are used. Nothing is ever downloaded.
"""
import logging
import os.path as osp
from dataclasses import asdict, dataclass
from functools import partial
from typing import Optional, Tuple

import torch.nn as nn
from mmengine.logging import print_log
from segment_anything.modeling import ImageEncoderViT

from changefine_mm.utils import load_checkpoint_file, state_dict_mismatch

SAM_VIT_B_URL = ('https://dl.fbaipublicfiles.com/segment_anything/'
                 'sam_vit_b_01ec64.pth')
_PREFIX = 'image_encoder.'


@dataclass(frozen=True)
class SAMEncoderArch:
    """Dimensions of a SAM image encoder (defaults: SAM ViT-B).

    Args:
        img_size (int): Pre-training input size (sets the absolute
            positional-embedding grid and the global blocks' relative
            position tables).
        patch_size (int): Patch size.
        embed_dim (int): Token width.
        depth (int): Number of blocks.
        num_heads (int): Attention heads.
        global_attn_indexes (tuple[int]): Blocks with global attention; the
            others attend within windows.
        window_size (int): Window size of the windowed blocks.
        out_chans (int): Width of SAM's neck.
        mlp_ratio (float): MLP hidden width / token width.
    """
    img_size: int = 1024
    patch_size: int = 16
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    global_attn_indexes: Tuple[int, ...] = (2, 5, 8, 11)
    window_size: int = 14
    out_chans: int = 256
    mlp_ratio: float = 4.0

    def __post_init__(self) -> None:
        # Configs give lists; ImageEncoderViT tests membership only, but the
        # dataclass must stay hashable and comparable.
        object.__setattr__(self, 'global_attn_indexes',
                           tuple(int(i) for i in self.global_attn_indexes))


def build_sam_image_encoder(arch: SAMEncoderArch) -> ImageEncoderViT:
    """A SAM image encoder with random weights.

    Args:
        arch (SAMEncoderArch): Encoder dimensions.

    Returns:
        ImageEncoderViT: The encoder in eval mode.
    """
    encoder = ImageEncoderViT(
        img_size=arch.img_size,
        patch_size=arch.patch_size,
        embed_dim=arch.embed_dim,
        depth=arch.depth,
        num_heads=arch.num_heads,
        mlp_ratio=arch.mlp_ratio,
        out_chans=arch.out_chans,
        qkv_bias=True,
        norm_layer=partial(nn.LayerNorm, eps=1e-6),
        use_rel_pos=True,
        global_attn_indexes=arch.global_attn_indexes,
        window_size=arch.window_size)
    return encoder.eval()


def load_sam_image_encoder(checkpoint: Optional[str] = None,
                           arch: Optional[SAMEncoderArch] = None,
                           config_key: str = 'sam_checkpoint'
                           ) -> ImageEncoderViT:
    """Build a SAM image encoder, from a local file or with random weights.

    Args:
        checkpoint (str, optional): Path of a SAM checkpoint in Meta's layout
            (``image_encoder.*`` keys; other keys are ignored). None builds
            random weights and logs a warning.
        arch (SAMEncoderArch, optional): Encoder dimensions. Defaults to
            SAM ViT-B.
        config_key (str): Name of the config entry holding the path, quoted
            in the missing-file error.

    Returns:
        ImageEncoderViT: The encoder in eval mode.

    Raises:
        FileNotFoundError: If ``checkpoint`` does not exist.
        KeyError: If the file has no ``image_encoder.*`` keys.
        ValueError: If keys or shapes do not match ``arch``.
    """
    arch = arch or SAMEncoderArch()
    encoder = build_sam_image_encoder(arch)
    if checkpoint is None:
        print_log(
            'SAM image encoder built with RANDOM weights (no checkpoint '
            f'given); set `{config_key}` to the path of Meta\'s '
            'sam_vit_b_01ec64.pth for real features',
            logger='current', level=logging.WARNING)
        return encoder
    checkpoint = osp.expanduser(str(checkpoint))
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'SAM checkpoint not found: {checkpoint}. Download Meta\'s '
            f'sam_vit_b_01ec64.pth ({SAM_VIT_B_URL}) and set `{config_key}` '
            'to its path (or put it at that path).')
    state_dict = load_checkpoint_file(checkpoint)
    weights = {
        k[len(_PREFIX):]: v
        for k, v in state_dict.items() if k.startswith(_PREFIX)
    }
    if not weights:
        found = ', '.join(list(state_dict)[:5])
        raise KeyError(
            f'{checkpoint} is not a SAM checkpoint in Meta\'s layout: no '
            f'"{_PREFIX}*" keys (first keys: {found})')
    _check_weights(encoder, weights, checkpoint, arch)
    encoder.load_state_dict(weights, strict=True)
    return encoder


def _check_weights(encoder: ImageEncoderViT, weights: dict, source: str,
                   arch: SAMEncoderArch) -> None:
    problem = state_dict_mismatch(encoder.state_dict(), weights)
    if problem:
        raise ValueError(f'{source} does not fit a SAM image encoder with '
                         f'{asdict(arch)}: {problem}')
