"""Samples whose augmentation draws depend only on their position.

:class:`SeededSampler` wraps the training sampler and yields
``(index, seed)`` pairs, the seed derived from the run's seed, the epoch,
the rank and the position of the sample in this rank's order;
:class:`SeededSamples` runs the dataset's pipeline under that seed. The
draws are then the same in a resumed run, with any number of data
workers, whatever else consumed random numbers in between.
"""
import itertools
from typing import Any, Dict, Iterator, Tuple

from mmengine.dataset import InfiniteSampler
from mmengine.dist import get_dist_info
from torch import Generator
from torch.utils.data import BatchSampler, DataLoader, Dataset, Sampler

from .random_state import derive_seed, forked_cpu_generators

# Stream id of the data pipeline in derive_seed (the model's is 1).
DATA_STREAM = 0


class SeededSampler(Sampler):
    """Attach a per-sample seed to the indices of another sampler.

    Args:
        sampler (Sampler): The dataset's sampler (mmengine's
            ``InfiniteSampler``, ``DefaultSampler`` or any sampler).
        seed (int): The run's seed.
    """

    def __init__(self, sampler: Sampler, seed: int) -> None:
        self.sampler = sampler
        self.seed = int(seed)
        self.rank = get_dist_info()[0]
        self.epoch = 0
        self._start = 0

    @property
    def infinite(self) -> bool:
        """bool: Whether the wrapped sampler never ends."""
        return isinstance(self.sampler, InfiniteSampler)

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        start, self._start = self._start, 0
        if self.infinite:
            # InfiniteSampler continues one generator across iterations
            # (an iterator started earlier may have advanced it); restart
            # it so that position k is always the k-th index of its order.
            self.sampler.indices = self.sampler._indices_of_rank()
        indices = itertools.islice(iter(self.sampler), start, None)
        for position, index in enumerate(indices, start):
            yield index, derive_seed(self.seed, DATA_STREAM, self.epoch,
                                     self.rank, position)

    def __len__(self) -> int:
        return len(self.sampler)

    def set_epoch(self, epoch: int) -> None:
        """Start another epoch (passed on to the wrapped sampler).

        Args:
            epoch (int): The epoch.
        """
        self.epoch = epoch
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def seek(self, position: int) -> None:
        """Make the next iteration start at ``position`` of this rank's
        order, without loading the samples before it (later iterations
        start at 0 again).

        Args:
            position (int): Number of samples this rank already used.
        """
        self._start = int(position)

    def state_dict(self) -> Dict[str, int]:
        """What a resumed run needs besides the loop's epoch and iteration
        (mmengine restores those and sets the epoch; the position follows
        from the iteration).

        Returns:
            dict: ``seed``.
        """
        return dict(seed=self.seed)

    def load_state_dict(self, state: Dict[str, int]) -> None:
        """Take over the seed of a saved run.

        Args:
            state (dict): From :meth:`state_dict`.
        """
        self.seed = int(state['seed'])
        if hasattr(self.sampler, 'seed'):
            self.sampler.seed = self.seed


class SeededSamples(Dataset):
    """Run a dataset's pipeline under the seed given with each index.

    Attributes other than the wrapper's own come from the wrapped dataset
    (``metainfo``, ``pipeline``...).

    Args:
        dataset (Dataset): The training dataset.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: Tuple[int, int]) -> Any:
        index, seed = key
        with forked_cpu_generators(seed):
            return self.dataset[index]

    def __getattr__(self, name: str) -> Any:
        if name == 'dataset':  # not set yet (unpickling in a worker)
            raise AttributeError(name)
        return getattr(self.dataset, name)


def seeded_dataloader(loader: DataLoader, seed: int) -> DataLoader:
    """The same data loader with :class:`SeededSampler` and
    :class:`SeededSamples`.

    Its own generator gives the workers' base seed, so that starting an
    iterator leaves torch's global generator alone.

    Args:
        loader (DataLoader): A loader built by mmengine's Runner.
        seed (int): The run's seed.

    Returns:
        DataLoader: The seeded loader (``loader`` itself if it already is).

    Raises:
        TypeError: If the loader uses a custom batch sampler, whose
            grouping of indices this cannot repeat.
    """
    if isinstance(loader.dataset, SeededSamples):
        return loader
    if type(loader.batch_sampler) is not BatchSampler:
        raise TypeError(
            'exact resume needs a plain sampler + batch_size data loader; '
            f'got batch_sampler {type(loader.batch_sampler).__name__}, '
            'whose grouping of samples ExactResumeHook cannot repeat')
    generator = Generator()
    generator.manual_seed(seed)
    workers = loader.num_workers
    return DataLoader(
        SeededSamples(loader.dataset),
        batch_size=loader.batch_size,
        sampler=SeededSampler(loader.sampler, seed),
        drop_last=loader.drop_last,
        num_workers=workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        timeout=loader.timeout,
        worker_init_fn=loader.worker_init_fn,
        multiprocessing_context=loader.multiprocessing_context,
        generator=generator,
        prefetch_factor=loader.prefetch_factor if workers else None,
        persistent_workers=loader.persistent_workers,
        pin_memory_device=loader.pin_memory_device)
