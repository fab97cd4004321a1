"""SemanticChangeEditor: decide which regions change, and into what."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from changefine_mm.registry import TASK_UTILS


@TASK_UTILS.register_module()
class SemanticChangeEditor:
    """Turn date A's class map into date B's by relabelling regions.

    ChangeAnywhere (arXiv 2404.08892, section 3) simulates change events
    by editing the semantic mask and then rendering an image for it; this
    is the editing step. Until a drawn share of the valid pixels (uniform
    in ``change_ratio``) has changed, it takes either an object (a
    connected component of one class, cut by a random ellipse when larger
    than ``max_region_fraction`` of the image) or, with probability
    ``blob_prob``, a random polygon anywhere, and gives it a class other
    than its (majority) class, drawn from ``classes``. Regions never
    overlap; pixels of ``ignore_index`` never change. Pixels of a polygon
    that already had the new class keep it, so the change label computed
    from the two maps stays exact.

    Args:
        change_ratio (tuple[float, float]): Range of the changed share.
            Defaults to (0.05, 0.3).
        min_region (int): Smallest region in pixels. Defaults to 64.
        max_region_fraction (float): Largest region as a share of the
            image. Defaults to 0.25.
        blob_prob (float): Probability of a random polygon instead of an
            object. Defaults to 0.3.
        ignore_index (int, optional): No-data class id.
        max_tries (int): Candidate regions tried per image. Defaults to 200.
    """

    def __init__(self,
                 change_ratio: Tuple[float, float] = (0.05, 0.3),
                 min_region: int = 64,
                 max_region_fraction: float = 0.25,
                 blob_prob: float = 0.3,
                 ignore_index: Optional[int] = None,
                 max_tries: int = 200) -> None:
        low, high = change_ratio
        if not 0 <= low <= high <= 1:
            raise ValueError('change_ratio must be (low, high) with '
                             f'0 <= low <= high <= 1, got {change_ratio}')
        self.change_ratio = (low, high)
        self.min_region = min_region
        self.max_region_fraction = max_region_fraction
        self.blob_prob = blob_prob
        self.ignore_index = ignore_index
        self.max_tries = max_tries

    def edit(self, semantic: np.ndarray, classes: Sequence[int],
             rng: np.random.Generator) -> np.ndarray:
        """Date B's class map.

        Args:
            semantic (np.ndarray): (H, W) date-A class ids.
            classes (sequence[int]): Classes a region may take (those with
                donors, for region replacement).
            rng (np.random.Generator): Source of randomness.

        Returns:
            np.ndarray: (H, W) date-B class ids (a new array).
        """
        edited = semantic.copy()
        valid = np.ones(semantic.shape, bool) if self.ignore_index is None \
            else semantic != self.ignore_index
        target = rng.uniform(*self.change_ratio) * valid.sum()
        free = valid.copy()
        components = self._components(semantic, valid, rng)
        changed = 0
        for _ in range(self.max_tries):
            if changed >= target:
                break
            if rng.random() < self.blob_prob or not components:
                region = self._polygon(semantic.shape, rng) & free
            else:
                labels, index = components.pop()
                region = self._cut(labels == index, rng) & free
            if region.sum() < self.min_region:
                continue
            old = np.bincount(semantic[region]).argmax()
            choices = [c for c in classes if c != old]
            if not choices:
                continue
            edited[region] = choices[rng.integers(len(choices))]
            free &= ~region
            changed += int((edited[region] != semantic[region]).sum())
        return edited

    def _components(self, semantic: np.ndarray, valid: np.ndarray,
                    rng: np.random.Generator) -> list:
        # (label map, component index) pairs: masks are made only for the
        # components that get used, since a large tile can hold thousands.
        regions = []
        for cls in np.unique(semantic[valid]):
            count, labels = cv2.connectedComponents(
                ((semantic == cls) & valid).astype(np.uint8), connectivity=8)
            areas = np.bincount(labels.ravel(), minlength=count)
            regions += [(labels, index) for index in range(1, count)
                        if areas[index] >= self.min_region]
        order = rng.permutation(len(regions))
        return [regions[i] for i in order]

    def _cut(self, region: np.ndarray, rng: np.random.Generator
             ) -> np.ndarray:
        limit = self.max_region_fraction * region.size
        if region.sum() <= limit:
            return region
        ys, xs = np.nonzero(region)
        pick = rng.integers(len(ys))
        radius = np.sqrt(limit / np.pi)
        axes = (int(radius * rng.uniform(0.6, 1.4)) + 1,
                int(radius * rng.uniform(0.6, 1.4)) + 1)
        ellipse = np.zeros(region.shape, np.uint8)
        cv2.ellipse(ellipse, (int(xs[pick]), int(ys[pick])), axes,
                    float(rng.uniform(0, 180)), 0, 360, 1, -1)
        return region & ellipse.astype(bool)

    def _polygon(self, shape: Tuple[int, int], rng: np.random.Generator
                 ) -> np.ndarray:
        height, width = shape
        radius = np.sqrt(self.max_region_fraction * height * width /
                         np.pi) * rng.uniform(0.3, 1.0)
        centre = rng.uniform((0, 0), (width, height))
        angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(5, 10))))
        lengths = radius * rng.uniform(0.5, 1.0, len(angles))
        points = centre + np.stack(
            [np.cos(angles) * lengths, np.sin(angles) * lengths], axis=1)
        mask = np.zeros(shape, np.uint8)
        cv2.fillPoly(mask, [points.round().astype(np.int32)], 1)
        return mask.astype(bool)
