"""Cutout: the same random holes in both dates (and optionally the label).

open-cd's ``MultiImgRandomCutOut`` (Cutout, https://arxiv.org/abs/1708.04552)
under its name and arguments. A hole covers the same place in A and B, so
it hides the place rather than inventing a change there. The draws come
from numpy's global generator in open-cd's order.
"""
from typing import List, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS

Pair = Tuple[float, float]


@TRANSFORMS.register_module()
class MultiImgRandomCutOut(BaseTransform):
    """Fill random rectangles of both dates with ``fill_in``.

    Args:
        prob (float): Probability of cutting at all.
        n_holes (int | tuple[int, int]): Number of holes, or the closed
            range it is drawn from.
        cutout_shape (tuple | list[tuple], optional): Hole (w, h) in
            pixels, or candidates to draw from.
        cutout_ratio (tuple | list[tuple], optional): Hole (w, h) as
            fractions of the image, or candidates. Give exactly one of
            ``cutout_shape`` and ``cutout_ratio``.
        fill_in (tuple): Image value inside the holes.
        seg_fill_in (int, optional): Label value inside the holes (e.g.
            255 to ignore them); None leaves the labels alone.
    """

    def __init__(self,
                 prob: float,
                 n_holes: Union[int, Tuple[int, int]],
                 cutout_shape: Union[Pair, List[Pair], None] = None,
                 cutout_ratio: Union[Pair, List[Pair], None] = None,
                 fill_in: Sequence[float] = (0, 0, 0),
                 seg_fill_in: Union[int, None] = None) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if (cutout_shape is None) == (cutout_ratio is None):
            raise ValueError('give exactly one of cutout_shape and '
                             'cutout_ratio')
        if isinstance(n_holes, int):
            n_holes = (n_holes, n_holes)
        if len(n_holes) != 2 or not 0 <= n_holes[0] <= n_holes[1]:
            raise ValueError(f'n_holes must be a count or a (min, max) '
                             f'range, got {n_holes!r}')
        if seg_fill_in is not None and not 0 <= seg_fill_in <= 255:
            raise ValueError(f'seg_fill_in must be in 0..255, got '
                             f'{seg_fill_in}')
        self.prob = prob
        self.n_holes = tuple(n_holes)
        self.fill_in = fill_in
        self.seg_fill_in = seg_fill_in
        self.with_ratio = cutout_ratio is not None
        candidates = cutout_ratio if self.with_ratio else cutout_shape
        # One (w, h) pair, also when a JSON/CLI config made it a list.
        if isinstance(candidates[0], (int, float)):
            candidates = [tuple(candidates)]
        self.candidates = [tuple(c) for c in candidates]

    def _holes(self, height: int, width: int) -> List[Tuple[int, ...]]:
        """Draw the holes as (y1, y2, x1, x2) boxes."""
        if not np.random.rand() < self.prob:
            return []
        count = np.random.randint(self.n_holes[0], self.n_holes[1] + 1)
        draws = [(np.random.randint(0, width), np.random.randint(0, height),
                  np.random.randint(0, len(self.candidates)))
                 for _ in range(count)]
        holes = []
        for x1, y1, index in draws:
            hole_w, hole_h = self.candidates[index]
            if self.with_ratio:
                hole_w, hole_h = int(hole_w * width), int(hole_h * height)
            holes.append((y1, int(np.clip(y1 + hole_h, 0, height)), x1,
                          int(np.clip(x1 + hole_w, 0, width))))
        return holes

    def transform(self, results: dict) -> dict:
        holes = self._holes(*results['img'][0].shape[:2])
        if not holes:
            return results
        images = [img.copy() for img in results['img']]
        labels = {}
        if self.seg_fill_in is not None:
            labels = {key: results[key].copy()
                      for key in results.get('seg_fields', [])}
        for y1, y2, x1, x2 in holes:
            for img in images:
                img[y1:y2, x1:x2, :] = self.fill_in
            for label in labels.values():
                label[y1:y2, x1:x2] = self.seg_fill_in
        results['img'] = images
        results.update(labels)
        return results
