"""Photometric transforms: each date gets its own random draw."""
from typing import Optional, Sequence, Tuple

import cv2
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
    last. 8-bit images stay uint8. Images that a pixel scaling rule made
    float 0..255 (``img_scaled``) stay float32 in 0..255, so no precision
    is lost. Brightness and contrast act on every band alike, so any band
    count works; saturation and hue exist only for 3-band colour images
    (set ``saturation_range=None`` and ``hue_delta=0`` for other counts).

    Args:
        brightness_delta (int): Additive shift range (+/-), 0..255 units.
        contrast_range (tuple[float, float]): Multiplicative range.
        saturation_range (tuple[float, float], optional): HSV saturation
            scale range; None for no saturation change.
        hue_delta (int): HSV hue shift range, -hue_delta..hue_delta-1 as
            open-cd draws it (OpenCV's 0..180 hue); 0 for no hue change.
        consistent_contrast_mode (bool): Draw once per pair whether
            contrast comes first or last (open-cd's argument). open-cd
            redraws per date when its shared draw is "last", so it is
            consistent only half of the time; here it always is.
    """

    def __init__(self,
                 brightness_delta: int = 32,
                 contrast_range: Sequence[float] = (0.5, 1.5),
                 saturation_range: Optional[Sequence[float]] = (0.5, 1.5),
                 hue_delta: int = 18,
                 consistent_contrast_mode: bool = False) -> None:
        self.consistent_contrast_mode = consistent_contrast_mode
        self.brightness_delta = brightness_delta
        self.contrast_range: Tuple[float, float] = tuple(contrast_range)
        self.saturation_range = None if saturation_range is None else \
            tuple(saturation_range)
        self.hue_delta = hue_delta

    @staticmethod
    def _affine(img: np.ndarray, alpha: float, beta: float) -> np.ndarray:
        out = np.clip(img.astype(np.float32) * alpha + beta, 0, 255)
        return out if img.dtype == np.float32 else out.astype(np.uint8)

    def _distort(self, img: np.ndarray,
                 contrast_first: Optional[int] = None) -> np.ndarray:
        if np.random.randint(2):
            img = self._affine(
                img, 1.,
                np.random.uniform(-self.brightness_delta,
                                  self.brightness_delta))
        if contrast_first is None:
            contrast_first = np.random.randint(2)
        if contrast_first and np.random.randint(2):
            img = self._affine(img, np.random.uniform(*self.contrast_range),
                               0)
        # The draws are the same whatever the settings, so that a seed
        # gives the same augmentations as before these options existed.
        colour = img.shape[2] == 3
        if np.random.randint(2) and self.saturation_range is not None:
            alpha = np.random.uniform(*self.saturation_range)
            img = _in_hsv(img, lambda h, s: (h, self._affine(s, alpha, 0)))
        if np.random.randint(2):
            # open-cd (and mmseg) draw randint(-d, d), i.e. -d..d-1; with
            # d = 0 (where theirs fails) one draw of 0 keeps the count.
            shift = np.random.randint(-self.hue_delta,
                                      max(self.hue_delta, 1))
            if colour:
                img = _in_hsv(img, lambda h, s: (_shift_hue(h, shift), s))
        if not contrast_first and np.random.randint(2):
            img = self._affine(img, np.random.uniform(*self.contrast_range),
                               0)
        return img

    def _check(self, results: dict) -> None:
        if results.get('img_scaled') == 'raw':
            raise ValueError(
                'MultiImgPhotoMetricDistortion works in 0..255 units but '
                "the images are scaled with type='raw'; scale them to "
                "0..255 ('fixed', 'percentile', 'dataset_stats', 'log') or "
                'drop the distortion')
        bands = results['img'][0].shape[2]
        colour = self.saturation_range is not None or self.hue_delta
        if bands != 3 and colour:
            raise ValueError(
                f'MultiImgPhotoMetricDistortion: saturation and hue need '
                f'3-band colour images, these have {bands} bands; set '
                'saturation_range=None and hue_delta=0 (brightness and '
                'contrast work on any band count)')

    def transform(self, results: dict) -> dict:
        self._check(results)
        shared = np.random.randint(2) if \
            self.consistent_contrast_mode else None
        if results.get('img_scaled'):
            results['img'] = [
                self._distort(img.astype(np.float32), shared)
                for img in results['img']
            ]
            return results
        results['img'] = [
            self._distort(np.clip(img, 0, 255).astype(np.uint8), shared)
            for img in results['img']
        ]
        return results


def _in_hsv(img: np.ndarray, change) -> np.ndarray:
    """Change hue and saturation of a BGR image, in its own dtype.

    ``change(hue, saturation)`` gets OpenCV's 8-bit scales (hue 0..180,
    saturation 0..255; float32 arrays for float images) and returns both.
    """
    if img.dtype == np.uint8:
        hsv = mmcv.bgr2hsv(img)
        hsv[..., 0], hsv[..., 1] = change(hsv[..., 0], hsv[..., 1])
        return mmcv.hsv2bgr(hsv)
    # Float HSV of OpenCV: hue 0..360, saturation and value 0..1.
    hsv = cv2.cvtColor(img / 255., cv2.COLOR_BGR2HSV)
    hue, sat = change(hsv[..., 0] / 2., hsv[..., 1] * 255.)
    hsv[..., 0], hsv[..., 1] = hue * 2., sat / 255.
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR) * 255.


def _shift_hue(hue: np.ndarray, shift: int) -> np.ndarray:
    if hue.dtype == np.uint8:
        return ((hue.astype(np.int16) + shift) % 180).astype(np.uint8)
    return (hue + shift) % 180.


@TRANSFORMS.register_module()
class MultiImgNormalize(BaseTransform):
    """Normalise both dates: ``(img - mean) / std`` in float32.

    Args:
        mean (sequence[float]): Per-band mean (one per band, any count).
        std (sequence[float]): Per-band std.
        to_rgb (bool): Convert BGR to RGB first (3-band images only).
    """

    def __init__(self,
                 mean: Sequence[float],
                 std: Sequence[float],
                 to_rgb: bool = True) -> None:
        self.mean = np.array(mean, dtype=np.float32)
        self.std = np.array(std, dtype=np.float32)
        self.to_rgb = to_rgb

    def _normalize(self, img: np.ndarray) -> np.ndarray:
        img = img.astype(np.float32)
        if img.shape[2] == 3:  # mmcv's (OpenCV) arithmetic, as before
            return mmcv.imnormalize(img, self.mean, self.std, self.to_rgb)
        # OpenCV's arithmetic takes at most 4 channels.
        return (img - self.mean) * (1. / self.std)

    def transform(self, results: dict) -> dict:
        bands = results['img'][0].shape[2]
        if len(self.mean) != bands or (self.to_rgb and bands != 3):
            raise ValueError(
                f'MultiImgNormalize has {len(self.mean)} means (to_rgb='
                f'{self.to_rgb}) but the images have {bands} bands: give '
                'one mean and std per band, and to_rgb=False unless there '
                'are 3')
        results['img'] = [self._normalize(img) for img in results['img']]
        results['img_norm_cfg'] = dict(mean=self.mean, std=self.std,
                                       to_rgb=self.to_rgb)
        return results
