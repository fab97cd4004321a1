"""Why a state dict does not fit a module, worded for load errors."""
from typing import Mapping, Sequence

import torch


def state_dict_mismatch(expected: Mapping[str, torch.Tensor],
                        weights: Mapping[str, torch.Tensor],
                        allow_unexpected: bool = False,
                        shown: int = 6) -> str:
    """Describe the keys and shapes that keep ``weights`` from loading.

    Every loader of the package checks a file against its module before
    ``load_state_dict``, so that the error names the offending keys and
    shapes instead of torch's long key dump (or, with ``strict=False``,
    nothing at all).

    Args:
        expected (Mapping[str, Tensor]): The entries the module needs,
            usually (a filtered) ``module.state_dict()``.
        weights (Mapping[str, Tensor]): The entries read from the file.
        allow_unexpected (bool): Whether entries of the file that the
            module lacks are fine (a pretrained tower taking part of a
            bigger checkpoint). Defaults to False.
        shown (int): Keys listed per kind of problem. Defaults to 6.

    Returns:
        str: Empty when the weights fit; otherwise e.g. ``"missing
        ['a.bias']; shape mismatches ['b.weight: file (3, 4) vs model
        (2, 4)']"``.
    """
    missing = [k for k in expected if k not in weights]
    unexpected = [] if allow_unexpected else [
        k for k in weights if k not in expected
    ]
    wrong = [
        f'{k}: file {tuple(weights[k].shape)} vs model {tuple(v.shape)}'
        for k, v in expected.items()
        if k in weights and weights[k].shape != v.shape
    ]
    problems = (('missing', missing), ('unexpected', unexpected),
                ('shape mismatches', wrong))
    return '; '.join(f'{kind} {_listed(keys, shown)}'
                     for kind, keys in problems if keys)


def _listed(keys: Sequence[str], shown: int) -> str:
    return f'{list(keys[:shown])}{" ..." if len(keys) > shown else ""}'
