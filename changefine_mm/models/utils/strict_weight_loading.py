"""Copy pretrained weights into a module only when they all fit."""
from typing import Dict, Sequence

import torch
from torch import nn

from changefine_mm.utils import state_dict_mismatch


def load_weights_strictly(
        module: nn.Module,
        weights: Dict[str, torch.Tensor],
        source: str,
        own_keys: Sequence[str] = (),
        derived_keys: Sequence[str] = ('num_batches_tracked', )) -> None:
    """Load ``weights`` into ``module``, refusing partial matches.

    Pretrained towers (a CLIP image or text tower, a Swin backbone) must
    find every one of their weights in the file at the right shape: loading
    with ``strict=False`` and saying nothing, as the official ChangeCLIP
    and CLIPFormer code do, silently trains from random weights when a
    config does not match its checkpoint. Entries of the file that the
    module lacks (e.g. a classifier's final norm) are ignored.

    Args:
        module (nn.Module): The module to fill.
        weights (dict[str, Tensor]): Pretrained weights, keyed as in the
            module's state dict.
        source (str): The checkpoint file, for error messages.
        own_keys (sequence[str]): Prefixes of the module's entries that the
            pretrained model does not have (e.g. added adapters); they keep
            their initialisation.
        derived_keys (sequence[str]): Suffixes of entries the module computes
            itself (BatchNorm counters, position index buffers).

    Raises:
        ValueError: If weights are missing or of another shape; the message
            names the file and the first offending keys.
    """
    expected = {
        k: v
        for k, v in module.state_dict().items()
        if not k.startswith(tuple(own_keys))
        and not k.endswith(tuple(derived_keys))
    }
    problem = state_dict_mismatch(expected, weights, allow_unexpected=True)
    if problem:
        raise ValueError(
            f'{source} does not fit {type(module).__name__}: {problem}. '
            'Check the model dimensions in the config against the '
            'checkpoint.')
    module.load_state_dict({k: weights[k] for k in expected}, strict=False)
