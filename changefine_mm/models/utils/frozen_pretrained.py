"""Frozen pretrained sub-modules that stay out of training checkpoints.

Frozen foundation encoders (SAM, CLIP) are loaded from their own release
files when a model is built, so storing them again in every training
checkpoint would only add hundreds of megabytes. :func:`freeze_pretrained`
freezes a sub-module and hooks it so that

* ``state_dict()`` of any enclosing model leaves its entries out, and
* ``load_state_dict()`` (torch's and mmengine's, strict or not) does not
  report its entries as missing; entries that are present are still loaded.
"""
import torch.nn as nn
from torch.nn.modules.module import _IncompatibleKeys

_PREFIX_ATTR = '_frozen_pretrained_prefix'


def freeze_pretrained(module: nn.Module) -> nn.Module:
    """Freeze ``module`` and keep it out of state dicts (see module doc).

    Args:
        module (nn.Module): A sub-module holding pretrained weights.

    Returns:
        nn.Module: The same module, frozen (``requires_grad=False``) and in
        eval mode; the owner must keep it in eval mode when training.
    """
    module.requires_grad_(False)
    module.eval()
    module.register_state_dict_post_hook(_drop_own_entries)
    module.register_load_state_dict_pre_hook(_remember_prefix)
    module.register_load_state_dict_post_hook(_forgive_own_missing)
    return module


def _drop_own_entries(module: nn.Module, state_dict: dict, prefix: str,
                      local_metadata: dict) -> None:
    for key in [k for k in state_dict if k.startswith(prefix)]:
        del state_dict[key]


def _remember_prefix(module: nn.Module, state_dict: dict, prefix: str,
                     *unused) -> None:
    # Post-load hooks are not told the module's prefix; keep it from here.
    setattr(module, _PREFIX_ATTR, prefix)


def _forgive_own_missing(module: nn.Module,
                         incompatible_keys: _IncompatibleKeys) -> None:
    prefix = getattr(module, _PREFIX_ATTR, '')
    missing = incompatible_keys.missing_keys
    missing[:] = [k for k in missing if not k.startswith(prefix)]
