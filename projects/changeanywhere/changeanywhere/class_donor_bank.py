"""ClassDonorBank: which source images can lend the appearance of a class."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .semantic_sources import SemanticSample, read_sample


class ClassDonorBank:
    """Index of the source samples by the classes they contain.

    The class maps are scanned once; a sample is a donor of class ``c``
    when it has at least ``min_pixels`` pixels of ``c``. Donor images are
    read on demand and the most recent ones are cached.

    Args:
        samples (sequence[SemanticSample]): The source samples.
        min_pixels (int): Pixels of a class a donor needs. Defaults to 256.
        ignore_index (int, optional): Class id never used (no-data).
        cache_size (int): Donor samples kept in memory. Defaults to 32.
    """

    def __init__(self,
                 samples: Sequence[SemanticSample],
                 min_pixels: int = 256,
                 ignore_index: Optional[int] = None,
                 cache_size: int = 32) -> None:
        self.samples = list(samples)
        self.cache_size = cache_size
        self._cache: 'OrderedDict[int, Tuple[np.ndarray, np.ndarray]]' = (
            OrderedDict())
        self.donors: Dict[int, List[Tuple[int, int]]] = {}
        for index, sample in enumerate(self.samples):
            label = cv2.imread(sample.label_path, cv2.IMREAD_UNCHANGED)
            if label is None:
                raise ValueError(f'cannot read class map {sample.label_path}')
            counts = np.bincount(label.ravel(), minlength=256)
            for cls in np.flatnonzero(counts >= min_pixels):
                if ignore_index is not None and cls == ignore_index:
                    continue
                self.donors.setdefault(int(cls), []).append(
                    (index, int(counts[cls])))

    @property
    def classes(self) -> List[int]:
        """Classes with at least one donor."""
        return sorted(self.donors)

    def load(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        """Image and class map of sample ``index`` (cached).

        Args:
            index (int): Sample index.

        Returns:
            tuple: BGR image and class map.
        """
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        item = read_sample(self.samples[index])
        self._cache[index] = item
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return item

    def pick(self, cls: int, rng: np.random.Generator,
             exclude: Optional[int] = None) -> Optional[int]:
        """Draw a donor of ``cls``, weighted by its pixel count.

        Args:
            cls (int): The wanted class.
            rng (np.random.Generator): Source of randomness.
            exclude (int, optional): Sample not to use unless it is the
                only donor (the image being edited).

        Returns:
            int | None: A sample index, or None if no sample has ``cls``.
        """
        donors = self.donors.get(cls, [])
        others = [d for d in donors if d[0] != exclude]
        candidates = others or donors
        if not candidates:
            return None
        weights = np.array([count for _, count in candidates], np.float64)
        choice = rng.choice(len(candidates), p=weights / weights.sum())
        return candidates[choice][0]
