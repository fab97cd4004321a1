"""Random streams derived from (seed, step) instead of carried state.

A training run draws random numbers in two places: the data pipeline
(crops, flips, colour jitter; ``random`` and ``numpy``) and the model
(dropout, HSCM pixel sampling; ``torch`` CPU and CUDA). Saving the
generators' states in a checkpoint is not enough to resume exactly: data
workers hold their own states, validation and hooks draw between
iterations, and in multi-process training only rank 0 writes the file.
So every draw is made from a stream seeded by what the checkpoint already
names: the run's seed, the iteration (model) or the sample's position in
the sampler's order (data), and the rank.
"""
import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

_SEED_BITS = 0xFFFFFFFF


def derive_seed(*keys: int) -> int:
    """A well-mixed 32-bit seed from a tuple of non-negative integers.

    Args:
        *keys (int): E.g. (run seed, stream id, iteration, rank).

    Returns:
        int: A seed valid for ``random``, ``numpy`` and ``torch``.
    """
    entropy = [int(k) & 0xFFFFFFFFFFFFFFFF for k in keys]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def seed_all_generators(seed: int) -> None:
    """Seed ``random``, ``numpy`` and torch (CPU and every CUDA device).

    Args:
        seed (int): The seed, e.g. from :func:`derive_seed`.
    """
    random.seed(seed)
    np.random.seed(seed & _SEED_BITS)
    torch.manual_seed(seed)


@contextmanager
def forked_cpu_generators(seed: int) -> Iterator[None]:
    """Draw from ``random``, ``numpy`` and torch CPU seeded by ``seed``,
    then put the previous states back.

    With ``num_workers=0`` the data pipeline runs in the training process;
    forking keeps its draws out of the model's stream. The CUDA generators
    are left alone (pipelines run on the CPU).

    Args:
        seed (int): Seed of the forked streams.

    Yields:
        None
    """
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed & _SEED_BITS)
    # torch.manual_seed would also reseed CUDA; only the CPU one is forked.
    torch.default_generator.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        torch.set_rng_state(torch_state)
