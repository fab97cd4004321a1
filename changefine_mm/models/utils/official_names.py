"""Official ChangeFine checkpoint names -> :class:`ChangeFine` names.

The official trainer (whudk/ChangeFine) saves ``{'config_dict': ...,
'state_dict': ...}`` with the keys of its ``ChangeFine`` module, without
DDP's ``module.`` and without the frozen SAM/CLIP weights (spec section 5).
:func:`official_to_ours` maps each such key onto the changefine-mm model,
composing the mappings of the three parts (prefix-only renames):

* ``norm_sam.*``, ``gamma``, ``context_visual_attn.*``, ``cross_clip_sam.*``,
  ``embed_img_t.*`` -> ``backbone.fusion.`` + key;
* ``prompt_learner.ctx`` and (official mode) ``clip_image_encoder.adapters.*``
  -> ``backbone.`` + key;
* ``interacts.*``, ``fusion_score.*``, ``neck.*``, ``embed_feats.*`` ->
  ``neck.`` + key;
* ``decoder.*``, ``embed_text.*``, ``aux_head.*``, ``pe_encoder.*``,
  ``alpha`` -> ``decode_head.`` + key;
* ``mem_queue``, ``mem_queue_ptr`` -> ``decode_head.loss_decode.contrast.``
  + key.

None (dropped):

* dead parameters the model does not build: ``neck.conv_last.*``,
  ``neck.norm*.*``, ``interacts.i.norm.*``, ``interacts.i.norm3.*``,
  ``interacts.i.ch_attn.norm.*``;
* ``prompt_learner.token_prefix`` / ``token_suffix``: recomputed from the
  configured class names;
* paper mode only: the CLIP adapters, ``decoder.iou_prediction_head.*`` and
  ``decoder.output_hypernetworks_mlps.0.*`` (not built in paper mode);
* frozen SAM/CLIP weights (``image_encoder.*``, ``text_encoder.*``,
  ``clip_image_encoder.*`` other than the adapters), present only in a raw
  ``model.state_dict()``: they are read from the release files.
"""
from typing import Dict, List, Optional, Tuple

from torch import Tensor

from ..backbones.sam_clip_backbone import (OFFICIAL_SCFE_DROPPED,
                                           official_scfe_key)
from ..decode_heads import prompt_change_decoder as pcd
from ..necks import cpfm_neck
from .state_dict_renaming import rename_state_dict

MODES = ('official', 'paper')
ADAPTER_PREFIX = 'clip_image_encoder.adapters.'
FROZEN_PREFIXES = ('image_encoder.', 'text_encoder.', 'clip_image_encoder.')


def official_to_ours(key: str, mode: str = 'official') -> Optional[str]:
    """Map an official ChangeFine state_dict key to our model's key.

    See the module documentation for the table.

    Args:
        key (str): Official key, without DDP's ``module.`` prefix.
        mode (str): Mode of the model that will load the weights,
            ``'official'`` or ``'paper'``.

    Returns:
        str | None: Key in :class:`ChangeFine`'s state_dict, or None for an
        entry that is dropped.

    Raises:
        ValueError: For an unknown key or mode.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    if key in pcd.OFFICIAL_NAMES or key.startswith(pcd.OFFICIAL_PREFIXES):
        ours = pcd.official_to_ours(key, mode)
        return None if ours is None else 'decode_head.' + ours
    if key.startswith(cpfm_neck.OFFICIAL_PREFIXES):
        ours = cpfm_neck.official_to_ours(key)
        return None if ours is None else 'neck.' + ours
    if key in OFFICIAL_SCFE_DROPPED:
        return None
    if key.startswith(ADAPTER_PREFIX) and mode == 'paper':
        return None
    ours = official_scfe_key(key)
    if ours is not None:
        return 'backbone.' + ours
    if key.startswith(FROZEN_PREFIXES):
        return None
    hint = ' (strip the DDP prefix "module.")' if key.startswith(
        'module.') else ''
    raise ValueError(f'unknown official ChangeFine key {key!r}{hint}')


def convert_official_state_dict(
        state_dict: Dict[str, Tensor],
        mode: str = 'official') -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename an official state_dict with :func:`official_to_ours`.

    A leading ``module.`` (weights saved from the DDP wrapper) is removed
    first.

    Args:
        state_dict (dict[str, Tensor]): Official weights.
        mode (str): Mode of the model that will load them.

    Returns:
        tuple: our state_dict, and the official keys that were dropped.

    Raises:
        ValueError: For an unknown key, or two keys mapping to one.
    """
    result = rename_state_dict(state_dict,
                               lambda key: official_to_ours(key, mode))
    return result.state_dict, result.dropped
