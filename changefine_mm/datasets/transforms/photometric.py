"""Photometric transforms: each date gets its own random draw."""
from typing import Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiImgPhotoMetricDistortion(BaseTransform):
    """Random brightness, contrast, saturation and hue, drawn per date.

    Two acquisitions differ in illumination and season independently of
    each other, so A and B get independent draws (as in open-cd). Each
    effect is applied with probability 0.5; contrast comes either first or
    last. Images stay uint8.

    Args:
        brightness_delta (int): Additive shift range (+/-).
        contrast_range (tuple[float, float]): Multiplicative range.
        saturation_range (tuple[float, float]): HSV saturation scale range.
        hue_delta (int): HSV hue shift range (+/-, OpenCV's 0..180 hue).
    """

    def __init__(self,
                 brightness_delta: int = 32,
                 contrast_range: Sequence[float] = (0.5, 1.5),
                 saturation_range: Sequence[float] = (0.5, 1.5),
                 hue_delta: int = 18) -> None:
        self.brightness_delta = brightness_delta
        self.contrast_range: Tuple[float, float] = tuple(contrast_range)
        self.saturation_range: Tuple[float, float] = tuple(saturation_range)
        self.hue_delta = hue_delta

    @staticmethod
    def _affine(img: np.ndarray, alpha: float, beta: float) -> np.ndarray:
        out = img.astype(np.float32) * alpha + beta
        return np.clip(out, 0, 255).astype(np.uint8)

    def _distort(self, img: np.ndarray) -> np.ndarray:
        if np.random.randint(2):
            img = self._affine(
                img, 1.,
                np.random.uniform(-self.brightness_delta,
                                  self.brightness_delta))
        contrast_first = np.random.randint(2)
        if contrast_first and np.random.randint(2):
            img = self._affine(img, np.random.uniform(*self.contrast_range),
                               0)
        if np.random.randint(2):
            hsv = mmcv.bgr2hsv(img)
            hsv[..., 1] = self._affine(
                hsv[..., 1], np.random.uniform(*self.saturation_range), 0)
            img = mmcv.hsv2bgr(hsv)
        if np.random.randint(2):
            hsv = mmcv.bgr2hsv(img)
            shift = np.random.randint(-self.hue_delta, self.hue_delta + 1)
            hsv[..., 0] = ((hsv[..., 0].astype(np.int16) + shift) %
                           180).astype(np.uint8)
            img = mmcv.hsv2bgr(hsv)
        if not contrast_first and np.random.randint(2):
            img = self._affine(img, np.random.uniform(*self.contrast_range),
                               0)
        return img

    def transform(self, results: dict) -> dict:
        results['img'] = [
            self._distort(np.clip(img, 0, 255).astype(np.uint8))
            for img in results['img']
        ]
        return results


@TRANSFORMS.register_module()
class MultiImgNormalize(BaseTransform):
    """Normalise both dates: ``(img - mean) / std`` in float32.

    Args:
        mean (sequence[float]): Per-channel mean (3 values).
        std (sequence[float]): Per-channel std (3 values).
        to_rgb (bool): Convert BGR to RGB first.
    """

    def __init__(self,
                 mean: Sequence[float],
                 std: Sequence[float],
                 to_rgb: bool = True) -> None:
        self.mean = np.array(mean, dtype=np.float32)
        self.std = np.array(std, dtype=np.float32)
        self.to_rgb = to_rgb

    def transform(self, results: dict) -> dict:
        results['img'] = [
            mmcv.imnormalize(img.astype(np.float32), self.mean, self.std,
                             self.to_rgb) for img in results['img']
        ]
        results['img_norm_cfg'] = dict(mean=self.mean, std=self.std,
                                       to_rgb=self.to_rgb)
        return results
