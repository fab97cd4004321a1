"""Deterministic intensity transforms, applied to each date on its own.

open-cd's ``MultiImgRerange``, ``MultiImgCLAHE``, ``MultiImgRGB2Gray`` and
``MultiImgAdjustGamma`` under their names and arguments, with their
output dtypes on 8-bit images (Rerange and RGB2Gray give float64, CLAHE
keeps the input dtype, AdjustGamma gives uint8). Each date is processed
with its own statistics, e.g. Rerange stretches A and B to the range
separately.

Any band count works. Rerange and RGB2Gray take any dtype. CLAHE and
AdjustGamma work on intensity levels: 8-bit as open-cd, 16-bit with
16-bit levels (OpenCV's 16-bit CLAHE, a 65536-entry gamma table), and
float images in 0..255 as open-cd does (cut to 8-bit levels; e.g. after
Rerange), except that AdjustGamma keeps the float images of a pixel
scaling rule float, with the exact power law. Other images (unscaled
floats, other integer types) are refused by name: open-cd would cut them
to 8 bits without a word.
"""
from typing import Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS


def _each_date(results: dict, function) -> dict:
    results['img'] = [function(img) for img in results['img']]
    results['img_shape'] = results['img'][0].shape[:2]
    return results


def _levels(name: str, results: dict) -> str:
    """The intensity levels of the pair: '8bit', '16bit' or 'float255'.

    Args:
        name (str): The transform, for the error.
        results (dict): With ``img`` and, from the loader, ``img_scaled``.

    Returns:
        str: The kind of levels both dates have.
    """
    img = results['img'][0]
    if img.dtype == np.uint8:
        return '8bit'
    if img.dtype == np.uint16:
        return '16bit'
    bands = img.shape[2] if img.ndim == 3 else 1
    if img.dtype.kind == 'f' and results.get('img_scaled') != 'raw':
        low = min(float(np.min(i)) for i in results['img'])
        high = max(float(np.max(i)) for i in results['img'])
        if 0 <= low and high <= 255:
            return 'float255'
        found = f'{img.dtype.name} images in {low:g}..{high:g}'
    elif img.dtype.kind == 'f':
        found = f"unscaled {img.dtype.name} images (scale type='raw')"
    else:
        found = f'{img.dtype.name} images'
    raise ValueError(
        f'{name} works on 8-bit or 16-bit images or floats in 0..255, '
        f'got {found} with {bands} bands; give the loader a pixel scaling '
        "rule to 0..255 (e.g. scale=dict(type='percentile')), put "
        f'MultiImgRerange before {name}, or drop it')


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

    8-bit images and floats in 0..255 on 8-bit levels (as open-cd, the
    dtype kept), 16-bit images on 16-bit levels (OpenCV's 16-bit CLAHE).

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

    def _clahe_16bit(self, img: np.ndarray) -> np.ndarray:
        # mmcv.clahe casts to uint8 (wrapping 16-bit values); OpenCV's
        # CLAHE itself takes 16-bit planes.
        clahe = cv2.createCLAHE(self.clip_limit, self.tile_grid_size)
        return np.stack([clahe.apply(np.ascontiguousarray(img[..., c]))
                         for c in range(img.shape[2])], axis=2)

    def transform(self, results: dict) -> dict:
        if _levels(type(self).__name__, results) == '16bit':
            return _each_date(results, self._clahe_16bit)
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
            bands = img.shape[2] if img.ndim == 3 else 1
            raise ValueError(
                f'MultiImgRGB2Gray has {len(self.weights)} weights but the '
                f'images have {bands} bands (shape {img.shape}); give one '
                f'weight per channel, e.g. weights=[{1 / bands:.3g}] * '
                f'{bands}')
        weights = np.array(self.weights).reshape((1, 1, -1))
        gray = (img * weights).sum(2, keepdims=True)
        return gray.repeat(self.out_channels or len(self.weights), axis=2)

    def transform(self, results: dict) -> dict:
        return _each_date(results, self._gray)


@TRANSFORMS.register_module()
class MultiImgAdjustGamma(BaseTransform):
    """Gamma correction: ``255 * (x / 255) ** (1 / gamma)``.

    8-bit images and floats in 0..255 go through open-cd's 256-entry
    lookup table (uint8 out, floats cut to 8-bit levels first, as open-cd
    does), 16-bit ones through a 65536-entry table on 0..65535 (uint16
    out). The float images of a pixel scaling rule (``img_scaled``) get
    the exact power law and stay float, like the other photometric
    transforms keep them.

    Args:
        gamma (float): Gamma; values above 1 brighten. Defaults to 1.
    """

    def __init__(self, gamma: float = 1.0) -> None:
        if not gamma > 0:
            raise ValueError(f'gamma must be positive, got {gamma}')
        self.gamma = gamma
        self.table = np.array([(i / 255.0)**(1.0 / gamma) * 255
                               for i in np.arange(256)]).astype('uint8')

    def _power(self, img: np.ndarray, top: float) -> np.ndarray:
        return (img / top)**(1.0 / self.gamma) * top

    def transform(self, results: dict) -> dict:
        levels = _levels(type(self).__name__, results)
        if levels == '16bit':
            table = self._power(np.arange(65536), 65535.).astype(np.uint16)
            return _each_date(results, lambda img: table[img])
        if levels == 'float255' and results.get('img_scaled'):
            return _each_date(
                results, lambda img: self._power(img, 255.).astype(img.dtype))
        return _each_date(
            results, lambda img: mmcv.lut_transform(
                np.array(img, dtype=np.uint8), self.table))
