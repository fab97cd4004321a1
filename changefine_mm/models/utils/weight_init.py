"""The weight initialisation of DenseCLIP-style transformer decoders."""
from typing import Iterable

import torch.nn as nn
from mmengine.model import constant_init, trunc_normal_init


def init_transformer_weights(modules: Iterable[nn.Module]) -> None:
    """Linear layers: trunc-normal(std 0.02), zero bias; LayerNorms: (1, 0).

    The ``_init_weights`` of DenseCLIP's ``ContextDecoder`` (used by
    ChangeCLIP and CLIPFormer) and of ChangeFine's decoders; other modules
    keep their own initialisation.

    Args:
        modules (iterable[nn.Module]): Modules to initialise, e.g.
            ``self.modules()``.
    """
    for module in modules:
        if isinstance(module, nn.Linear):
            trunc_normal_init(module, std=.02, bias=0)
        elif isinstance(module, nn.LayerNorm):
            constant_init(module, 1, bias=0)
