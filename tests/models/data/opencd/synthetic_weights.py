"""Deterministic weights for the open-cd differential references.

The references under this folder hold no checkpoints: most open-cd models
(CGNet's and IFN's VGG-16 encoders) are far too big for the repository.
Instead, every entry of an open-cd state dict (names, shapes and dtypes
recorded in ``state_dict_spec.json``) is filled from one seeded generator,
in state-dict order. ``make_references.py`` loads these weights into
open-cd's model before computing the reference outputs, and the tests
rebuild the same weights from the same spec, write them as an mmengine
checkpoint and load it strictly into our model.

Scales are chosen so that activations stay of unit order through deep
stacks: He-normal convolution and linear weights, norm weights and running
variances in [0.5, 1.5), small biases and means. Integer buffers
(``num_batches_tracked``) are zero.
"""
import json
import math
from collections import OrderedDict
from typing import Dict, List

import torch

NORM_LIKE = ('running_var', )


def read_spec(path: str) -> List[dict]:
    """Read the ``entries`` of a ``state_dict_spec.json``.

    Args:
        path (str): The spec file.

    Returns:
        list[dict]: One dict per entry with ``name``, ``shape``, ``dtype``.
    """
    with open(path) as f:
        return json.load(f)['entries']


def read_seed(path: str) -> int:
    """Read the weight seed of a ``state_dict_spec.json``.

    Args:
        path (str): The spec file.

    Returns:
        int: The seed given to :func:`synthetic_state_dict`.
    """
    with open(path) as f:
        return json.load(f)['seed']


def spec_of(state_dict: Dict[str, torch.Tensor]) -> List[dict]:
    """Describe a state dict as the entries of a spec.

    Args:
        state_dict (dict[str, Tensor]): Usually ``model.state_dict()``.

    Returns:
        list[dict]: name, shape and dtype of every entry, in order.
    """
    return [
        dict(name=name, shape=list(value.shape),
             dtype=str(value.dtype).split('.')[-1])
        for name, value in state_dict.items()
    ]


def synthetic_state_dict(entries: List[dict],
                         seed: int) -> 'OrderedDict[str, torch.Tensor]':
    """Fill every entry of a spec from one generator, in order.

    Args:
        entries (list[dict]): From :func:`read_spec` or :func:`spec_of`.
        seed (int): Seed of the generator.

    Returns:
        OrderedDict[str, Tensor]: The weights.
    """
    gen = torch.Generator().manual_seed(seed)
    weights = OrderedDict()
    for entry in entries:
        shape, leaf = entry['shape'], entry['name'].rsplit('.', 1)[-1]
        dtype = getattr(torch, entry['dtype'])
        if not dtype.is_floating_point:
            value = torch.zeros(shape, dtype=dtype)
        elif leaf in NORM_LIKE or (leaf == 'weight' and len(shape) == 1):
            value = 0.5 + torch.rand(shape, generator=gen)
        elif len(shape) <= 1:
            value = 0.1 * torch.randn(shape, generator=gen)
        else:
            fan_in = math.prod(shape[1:])
            value = torch.randn(shape, generator=gen) * math.sqrt(2 / fan_in)
        weights[entry['name']] = value.to(dtype)
    return weights
