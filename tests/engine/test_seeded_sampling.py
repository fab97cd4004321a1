"""Per-sample seeds: the same draws whatever ran before, with any number of
data workers, and after a seek."""
import itertools
import random

import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler
from torch.utils.data import DataLoader, Dataset

from changefine_mm.engine.random_state import (derive_seed,
                                               forked_cpu_generators,
                                               seed_all_generators)
from changefine_mm.engine.seeded_sampling import (SeededSampler,
                                                  SeededSamples,
                                                  seeded_dataloader)

pytestmark = pytest.mark.usefixtures('one_torch_thread')


class Draws(Dataset):
    """Each item is its index and one draw from each global generator."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        return (index, random.random(), float(np.random.rand()),
                float(torch.rand(1)))


def loader(workers=0):
    return DataLoader(Draws(), batch_size=2,
                      sampler=InfiniteSampler(Draws(), seed=3),
                      num_workers=workers, collate_fn=list)


def test_derive_seed_is_stable_and_distinct():
    assert derive_seed(1, 0, 5) == derive_seed(1, 0, 5)
    assert len({derive_seed(1, 0, i) for i in range(100)}) == 100
    assert derive_seed(1, 0, 5) != derive_seed(1, 1, 5)


def test_forked_generators_leave_the_global_streams_alone():
    seed_all_generators(0)
    expected = (random.random(), np.random.rand(), torch.rand(1))
    seed_all_generators(0)
    with forked_cpu_generators(9):
        first = Draws()[0]
    with forked_cpu_generators(9):
        assert Draws()[0] == first
    assert (random.random(), np.random.rand()) == expected[:2]
    assert torch.equal(torch.rand(1), expected[2])


def test_same_batches_with_and_without_workers():
    batches = [list(itertools.islice(seeded_dataloader(loader(w), 7), 5))
               for w in (0, 2)]
    assert batches[0] == batches[1]
    indices = [item[0] for batch in batches[0] for item in batch]
    assert sorted(indices[:5]) == list(range(5))  # a permutation per pass


def test_iterators_do_not_draw_from_the_global_generator():
    seeded = seeded_dataloader(loader(), 7)
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    next(iter(seeded))
    assert torch.equal(torch.rand(1), expected)
    assert seeded_dataloader(seeded, 7) is seeded


@pytest.mark.parametrize('inner', [
    lambda: InfiniteSampler(Draws(), seed=3),
    lambda: DefaultSampler(Draws(), seed=3)
])
def test_seek_equals_iterating_past(inner):
    sampler = SeededSampler(inner(), seed=5)
    sampler.set_epoch(2)
    stream = list(itertools.islice(iter(sampler), 5))
    sampler.seek(3)
    assert list(itertools.islice(iter(sampler), 2)) == stream[3:]
    assert list(itertools.islice(iter(sampler), 2)) == stream[:2]


def test_state_dict_restores_the_saved_order():
    saved = SeededSampler(InfiniteSampler(Draws(), seed=3), seed=3)
    expected = list(itertools.islice(iter(saved), 6))
    other = SeededSampler(InfiniteSampler(Draws(), seed=99), seed=99)
    other.load_state_dict(saved.state_dict())
    assert list(itertools.islice(iter(other), 6)) == expected


def test_seeded_samples_expose_the_dataset():
    samples = SeededSamples(Draws())
    assert len(samples) == 5 and samples[(2, 1)] == samples[(2, 1)]
    assert samples[(2, 1)] != samples[(2, 4)]
    assert samples.__len__() == len(samples.dataset)
    samples.dataset.metainfo = dict(classes=('unchanged', 'changed'))
    assert samples.metainfo['classes'][1] == 'changed'


def test_custom_batch_sampler_is_refused():
    custom = DataLoader(Draws(), batch_sampler=[[0, 1], [2, 3]])
    with pytest.raises(TypeError, match='ExactResumeHook'):
        seeded_dataloader(custom, 1)


def test_order_ignores_an_earlier_iterator_of_the_wrapped_sampler():
    inner = InfiniteSampler(Draws(), seed=3)
    expected = list(itertools.islice(iter(SeededSampler(
        InfiniteSampler(Draws(), seed=3), seed=5)), 4))
    list(itertools.islice(iter(inner), 3))  # e.g. workers prefetching
    assert list(itertools.islice(iter(SeededSampler(inner, seed=5)),
                                 4)) == expected
