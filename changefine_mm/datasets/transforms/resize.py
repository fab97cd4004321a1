"""Resizes that choose a target size, then resize both dates alike.

open-cd's ``MultiImgResizeToMultiple``, ``MultiImgRandomResize`` and
``MultiImgResizeShortestEdge`` under their names and arguments. The last
two pick a ``(width, height)`` scale and hand it to a resize transform
(:class:`MultiImgResize` by default), as open-cd does; the random draws
come from numpy's global generator in open-cd's order, so a seeded run
gives open-cd's result.
"""
from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS
from .geometric import _apply

Scale = Tuple[int, int]


@TRANSFORMS.register_module()
class MultiImgResizeToMultiple(BaseTransform):
    """Resize both dates and the labels to a multiple of ``size_divisor``.

    Each side is rounded up to the next multiple (mmcv's
    ``imresize_to_multiple``); the images are interpolated, the labels
    take the nearest value.

    Args:
        size_divisor (int): The multiple. Defaults to 32.
        interpolation (str, optional): Image interpolation; None means
            'bilinear'.
    """

    def __init__(self, size_divisor: int = 32,
                 interpolation: Optional[str] = None) -> None:
        if size_divisor <= 0:
            raise ValueError(f'size_divisor must be positive, got '
                             f'{size_divisor}')
        self.size_divisor = size_divisor
        self.interpolation = interpolation

    def _resize(self, array: np.ndarray, interpolation: str) -> np.ndarray:
        return mmcv.imresize_to_multiple(array, self.size_divisor,
                                         scale_factor=1,
                                         interpolation=interpolation)

    def transform(self, results: dict) -> dict:
        _apply(results,
               lambda a: self._resize(a, self.interpolation or 'bilinear'),
               lambda a: self._resize(a, 'nearest'))
        results['pad_shape'] = results['img_shape']
        return results


def _resize_transform(resize_type: str, resize_kwargs: dict):
    """Build the resize that a scale-choosing transform delegates to."""
    resize = TRANSFORMS.build(dict(type=resize_type, scale=0,
                                   **resize_kwargs))
    if not hasattr(resize, 'scale'):
        raise TypeError(f'resize_type {resize_type!r} has no `scale` '
                        'attribute to set the chosen size on')
    return resize


@TRANSFORMS.register_module()
class MultiImgRandomResize(BaseTransform):
    """Resize both dates to a randomly drawn scale.

    ``scale=(w, h)`` with ``ratio_range=(lo, hi)`` draws one ratio in
    [lo, hi) and uses ``(int(w * r), int(h * r))``; ``scale=[(w0, h0),
    (w1, h1)]`` draws the width in [w0, w1] and the height in [h0, h1].
    With ``keep_ratio=True`` (a ``resize_kwargs`` entry) the image is fitted
    inside the drawn scale.

    Args:
        scale (tuple | list[tuple]): Base scale or the two bounds.
        ratio_range (tuple[float, float], optional): Ratio bounds; needed
            with a single scale.
        resize_type (str): Registered resize transform with a ``scale``
            attribute. Defaults to 'MultiImgResize'.
        **resize_kwargs: Its other arguments (``keep_ratio``,
            ``interpolation``, ``backend``, ...).
    """

    def __init__(self,
                 scale: Union[Scale, Sequence[Scale]],
                 ratio_range: Optional[Tuple[float, float]] = None,
                 resize_type: str = 'MultiImgResize',
                 **resize_kwargs) -> None:
        self.scale = scale
        self.ratio_range = ratio_range
        if _is_pair_of_ints(scale):
            if ratio_range is None or len(ratio_range) != 2 or \
                    ratio_range[0] > ratio_range[1]:
                raise ValueError('MultiImgRandomResize with one scale needs '
                                 'ratio_range=(min, max), got '
                                 f'{ratio_range!r}')
        elif not (len(scale) == 2 and all(_is_pair_of_ints(s)
                                          for s in scale)):
            raise ValueError('scale must be (w, h) with ratio_range, or two '
                             f'(w, h) bounds, got {scale!r}')
        self.resize = _resize_transform(resize_type, resize_kwargs)

    def _random_scale(self) -> Scale:
        if _is_pair_of_ints(self.scale):
            low, high = self.ratio_range
            ratio = np.random.random_sample() * (high - low) + low
            return int(self.scale[0] * ratio), int(self.scale[1] * ratio)
        widths = [self.scale[0][0], self.scale[1][0]]
        heights = [self.scale[0][1], self.scale[1][1]]
        width = np.random.randint(min(widths), max(widths) + 1)
        height = np.random.randint(min(heights), max(heights) + 1)
        return width, height

    def transform(self, results: dict) -> dict:
        results['scale'] = self._random_scale()
        self.resize.scale = results['scale']
        return self.resize(results)


def _is_pair_of_ints(value) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) for v in value)


@TRANSFORMS.register_module()
class MultiImgResizeShortestEdge(BaseTransform):
    """Scale the shorter side to ``scale`` unless the longer one would
    exceed ``max_size`` (detectron2's rule), keeping the aspect ratio.

    Args:
        scale (int | tuple[int, ...]): Target short side; of a tuple the
            smallest value is used.
        max_size (int): Largest allowed long side.
    """

    def __init__(self, scale: Union[int, Sequence[int]],
                 max_size: int) -> None:
        self.scale = scale
        self.max_size = max_size
        self.resize = _resize_transform('MultiImgResize',
                                        dict(keep_ratio=True))

    def _output_size(self, height: int, width: int) -> Scale:
        """Return the output (width, height)."""
        short = float(self.scale if isinstance(self.scale, int) else min(
            self.scale))
        ratio = short / min(height, width)
        if height < width:
            new_h, new_w = short, ratio * width
        else:
            new_h, new_w = ratio * height, short
        if max(new_h, new_w) > self.max_size:
            cap = self.max_size / max(new_h, new_w)
            new_h, new_w = new_h * cap, new_w * cap
        return int(new_w + 0.5), int(new_h + 0.5)

    def transform(self, results: dict) -> dict:
        self.resize.scale = self._output_size(*results['img'][0].shape[:2])
        return self.resize(results)
