"""Loading one tower of a CLIP checkpoint and resizing positional embeddings.

CLIP-text-conditioned change detectors (ChangeCLIP, CLIPFormer) build the
image encoder and the text encoder as separate modules, subclasses of
open_clip's towers; each takes half of a CLIP checkpoint: the image tower
(``visual.*`` keys) or the text tower (the top-level keys). The file is read
by :func:`changefine_mm.models.utils.clip_loading.read_clip_state_dict`, so
OpenAI's TorchScript releases, OpenAI-layout state dicts and open_clip
checkpoints all work, from local files only. This is the ``init_weights`` of
the official ``CLIPResNetWithAttention``, ``CLIPVisionTransformer`` and
``CLIPTextContextEncoder`` (ChangeCLIP's ``clip_backbone.py``).
"""
import logging
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import nn

from .clip_loading import read_clip_state_dict
from .strict_weight_loading import load_weights_strictly

VISUAL_PREFIX = 'visual.'
# Entries of a CLIP state dict that belong to neither tower.
_JOINT_KEYS = ('logit_scale', 'logit_bias')


def read_clip_tower(checkpoint: str, tower: str) -> Dict[str, torch.Tensor]:
    """The weights of one CLIP tower, keyed as in the tower module.

    Args:
        checkpoint (str): Local CLIP checkpoint file.
        tower (str): 'visual' (keys lose their ``visual.`` prefix) or
            'text' (all top-level keys but ``logit_scale``).

    Returns:
        dict[str, Tensor]: The tower's weights in float32.
    """
    if tower not in ('visual', 'text'):
        raise ValueError(f"tower must be 'visual' or 'text', got {tower!r}")
    state_dict = read_clip_state_dict(checkpoint)
    if tower == 'visual':
        picked = {
            k[len(VISUAL_PREFIX):]: v
            for k, v in state_dict.items() if k.startswith(VISUAL_PREFIX)
        }
    else:
        picked = {
            k: v
            for k, v in state_dict.items()
            if not k.startswith(VISUAL_PREFIX) and k not in _JOINT_KEYS
        }
    return {
        k: v.float() if v.is_floating_point() else v
        for k, v in picked.items()
    }


def interpolate_pos_embed(pos_embed: torch.Tensor,
                          size: Tuple[int, int]) -> torch.Tensor:
    """Resize a (1 + g*g, C) positional embedding to a (h, w) grid.

    The first row (class or mean token) is kept; the square grid of the
    others is resized bilinearly, as DenseCLIP and ChangeCLIP do.

    Args:
        pos_embed (Tensor): (1 + g*g, C) embedding.
        size (tuple[int, int]): Target grid (h, w).

    Returns:
        Tensor: (1 + h*w, C) embedding.
    """
    cls_pos, spatial = pos_embed[:1], pos_embed[1:]
    grid = round(spatial.shape[0]**0.5)
    if grid * grid != spatial.shape[0]:
        raise ValueError(f'positional embedding of {spatial.shape[0]} '
                         'spatial tokens is not a square grid')
    if (grid, grid) == tuple(size):
        return pos_embed
    channels = spatial.shape[1]
    spatial = spatial.reshape(1, grid, grid, channels).permute(0, 3, 1, 2)
    spatial = F.interpolate(spatial, size=size, mode='bilinear')
    spatial = spatial.reshape(channels, -1).permute(1, 0)
    return torch.cat([cls_pos, spatial], dim=0)


def init_from_clip(module: nn.Module,
                   checkpoint: Optional[str],
                   tower: str,
                   pos_key: str,
                   own_keys: Sequence[str] = ()) -> None:
    """Load a CLIP tower into ``module``, fitting its positional embedding.

    A text embedding longer than the module's is cut (the official text
    encoder does so); an image grid of another size is resized bilinearly
    to the module's (e.g. CLIP's 7x7 to RN50's 16x16 at 512 pixels).

    Args:
        module (nn.Module): The tower.
        checkpoint (str, optional): Local CLIP checkpoint; None keeps the
            random initialisation (with a warning).
        tower (str): 'visual' or 'text'.
        pos_key (str): Name of the positional embedding in the module.
        own_keys (sequence[str]): Prefixes of the module's entries that
            are not CLIP's (e.g. the FPN adapters of a dense ViT); they keep
            their initialisation.
    """
    if checkpoint is None:
        print_log(f'{type(module).__name__}: no clip_checkpoint, keeping '
                  'random weights', logger='current', level=logging.WARNING)
        return
    weights = read_clip_tower(checkpoint, tower)
    target = module.state_dict()[pos_key]
    if pos_key in weights and weights[pos_key].shape != target.shape:
        if tower == 'text':
            weights[pos_key] = weights[pos_key][:target.shape[0]]
        else:
            side = round((target.shape[0] - 1)**0.5)
            weights[pos_key] = interpolate_pos_embed(weights[pos_key],
                                                     (side, side))
    load_weights_strictly(module, weights, checkpoint, own_keys)
