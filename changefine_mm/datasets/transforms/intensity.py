"""Deterministic intensity transforms, applied to each date on its own.

open-cd's ``MultiImgRerange``, ``MultiImgCLAHE``, ``MultiImgRGB2Gray`` and
``MultiImgAdjustGamma`` under their names and arguments, with their
output dtypes (Rerange and RGB2Gray give float64, CLAHE keeps the input
dtype, AdjustGamma gives uint8). Each date is processed with its own
statistics, e.g. Rerange stretches A and B to the range separately.
"""
from typing import Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS


def _each_date(results: dict, function) -> dict:
    results['img'] = [function(img) for img in results['img']]
    results['img_shape'] = results['img'][0].shape[:2]
    return results


@TRANSFORMS.register_module()
class MultiImgRerange(BaseTransform):
    """Stretch each date linearly from its own min..max to
    ``min_value..max_value``.

    Args:
        min_value (float): Output minimum. Defaults to 0.
        max_value (float): Output maximum. Defaults to 255.
    """

    def __init__(self, min_value: float = 0, max_value: float = 255) -> None:
        if not min_value < max_value:
            raise ValueError(f'min_value ({min_value}) must be below '
                             f'max_value ({max_value})')
        self.min_value = min_value
        self.max_value = max_value

    def _rerange(self, img: np.ndarray) -> np.ndarray:
        low, high = np.min(img), np.max(img)
        if not low < high:
            raise ValueError('MultiImgRerange: an image of the pair is '
                             f'constant ({low}); it has no range to stretch')
        img = (img - low) / (high - low)
        return img * (self.max_value - self.min_value) + self.min_value

    def transform(self, results: dict) -> dict:
        return _each_date(results, self._rerange)


@TRANSFORMS.register_module()
class MultiImgCLAHE(BaseTransform):
    """Contrast-limited adaptive histogram equalisation of every channel.

    Args:
        clip_limit (float): Contrast limit. Defaults to 40.
        tile_grid_size (tuple[int, int]): Tiles per (row, column).
    """

    def __init__(self, clip_limit: float = 40.0,
                 tile_grid_size: Tuple[int, int] = (8, 8)) -> None:
        if len(tile_grid_size) != 2 or not all(
                isinstance(n, int) and n > 0 for n in tile_grid_size):
            raise ValueError('tile_grid_size must be two positive ints, got '
                             f'{tile_grid_size!r}')
        self.clip_limit = clip_limit
        self.tile_grid_size = tuple(tile_grid_size)

    def _clahe(self, img: np.ndarray) -> np.ndarray:
        out = img.copy()
        for channel in range(img.shape[2]):
            out[..., channel] = mmcv.clahe(
                np.array(img[..., channel], dtype=np.uint8),
                self.clip_limit, self.tile_grid_size)
        return out

    def transform(self, results: dict) -> dict:
        return _each_date(results, self._clahe)


@TRANSFORMS.register_module()
class MultiImgRGB2Gray(BaseTransform):
    """Weighted channel mean, repeated to ``out_channels`` channels.

    Args:
        out_channels (int, optional): Output channels; None keeps the
            input's count.
        weights (tuple[float, ...]): One weight per input channel, in the
            channel order of the image (BGR from files: blue first).
    """

    def __init__(self, out_channels=None,
                 weights: Sequence[float] = (0.299, 0.587, 0.114)) -> None:
        if out_channels is not None and out_channels <= 0:
            raise ValueError(f'out_channels must be positive, got '
                             f'{out_channels}')
        self.out_channels = out_channels
        self.weights = tuple(weights)

    def _gray(self, img: np.ndarray) -> np.ndarray:
        if img.ndim != 3 or img.shape[2] != len(self.weights):
            raise ValueError(
                f'MultiImgRGB2Gray has {len(self.weights)} weights but the '
                f'image has shape {img.shape}; give one weight per channel')
        weights = np.array(self.weights).reshape((1, 1, -1))
        gray = (img * weights).sum(2, keepdims=True)
        return gray.repeat(self.out_channels or len(self.weights), axis=2)

    def transform(self, results: dict) -> dict:
        return _each_date(results, self._gray)


@TRANSFORMS.register_module()
class MultiImgAdjustGamma(BaseTransform):
    """Gamma correction through a 256-entry lookup table (uint8 output).

    Args:
        gamma (float): Gamma; values above 1 brighten. Defaults to 1.
    """

    def __init__(self, gamma: float = 1.0) -> None:
        if not gamma > 0:
            raise ValueError(f'gamma must be positive, got {gamma}')
        self.gamma = gamma
        self.table = np.array([(i / 255.0)**(1.0 / gamma) * 255
                               for i in np.arange(256)]).astype('uint8')

    def transform(self, results: dict) -> dict:
        return _each_date(
            results, lambda img: mmcv.lut_transform(
                np.array(img, dtype=np.uint8), self.table))
