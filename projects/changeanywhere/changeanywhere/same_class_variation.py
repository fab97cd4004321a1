"""SameClassVariation: the changes that must *not* be detected."""
from typing import Sequence, Tuple

import cv2
import numpy as np

from changefine_mm.registry import TASK_UTILS


@TASK_UTILS.register_module()
class SameClassVariation:
    """Plausible appearance change of date B that keeps every class.

    ChangeAnywhere's second essential: "non-change implies reasonable
    change under the same semantic constraints". Applied to the whole
    date-B image, in this order:

    1. seasonal shift: every class in ``seasonal_classes`` (vegetation,
       crops) gets its own hue offset and saturation factor, other classes
       their own brightness factor, blended across class borders;
    2. radiometric shift: per-channel gain and bias, then a gamma;
    3. misregistration: a random sub-pixel to few-pixel translation and a
       small rotation (mirrored borders). Class maps stay on date A's grid,
       as labels of real pairs do, so this is *not* labelled as change;
    4. sensor noise: Gaussian, with a random standard deviation.

    Args:
        seasonal_classes (sequence[int]): Class ids with seasonal
            variation. Defaults to none.
        hue_shift (float): Max hue offset in degrees of seasonal classes.
            Defaults to 16.
        saturation (tuple[float, float]): Saturation factor range of
            seasonal classes. Defaults to (0.7, 1.3).
        class_brightness (tuple[float, float]): Brightness factor range of
            the other classes. Defaults to (0.9, 1.1).
        gain (tuple[float, float]): Per-channel gain range. Defaults to
            (0.85, 1.15).
        bias (tuple[float, float]): Per-channel bias range. Defaults to
            (-12, 12).
        gamma (tuple[float, float]): Gamma range. Defaults to (0.8, 1.25).
        max_shift (float): Max misregistration in pixels. Defaults to 1.5.
        max_rotation (float): Max rotation in degrees. Defaults to 0.5.
        noise_std (tuple[float, float]): Noise standard deviation range.
            Defaults to (0, 5).
        border_blur (float): Sigma in pixels of the blend across class
            borders. Defaults to 2.
    """

    def __init__(self,
                 seasonal_classes: Sequence[int] = (),
                 hue_shift: float = 16.0,
                 saturation: Tuple[float, float] = (0.7, 1.3),
                 class_brightness: Tuple[float, float] = (0.9, 1.1),
                 gain: Tuple[float, float] = (0.85, 1.15),
                 bias: Tuple[float, float] = (-12.0, 12.0),
                 gamma: Tuple[float, float] = (0.8, 1.25),
                 max_shift: float = 1.5,
                 max_rotation: float = 0.5,
                 noise_std: Tuple[float, float] = (0.0, 5.0),
                 border_blur: float = 2.0) -> None:
        self.seasonal_classes = set(int(c) for c in seasonal_classes)
        self.hue_shift = hue_shift
        self.saturation = saturation
        self.class_brightness = class_brightness
        self.gain = gain
        self.bias = bias
        self.gamma = gamma
        self.max_shift = max_shift
        self.max_rotation = max_rotation
        self.noise_std = noise_std
        self.border_blur = border_blur

    def apply(self, image: np.ndarray, semantic: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
        """Vary a date-B image.

        Args:
            image (np.ndarray): (H, W, 3) uint8 BGR image.
            semantic (np.ndarray): (H, W) its class ids.
            rng (np.random.Generator): Source of randomness.

        Returns:
            np.ndarray: The varied (H, W, 3) uint8 BGR image.
        """
        out = self._seasonal(image, semantic, rng)
        out = out * rng.uniform(*self.gain, 3) + rng.uniform(*self.bias, 3)
        out = 255 * (np.clip(out, 0, 255) / 255)**rng.uniform(*self.gamma)
        out = self._misregister(out, rng)
        out = out + rng.normal(0, rng.uniform(*self.noise_std), out.shape)
        return np.clip(out.round(), 0, 255).astype(np.uint8)

    def _seasonal(self, image: np.ndarray, semantic: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
        hue = np.zeros(semantic.shape, np.float32)
        sat = np.ones(semantic.shape, np.float32)
        val = np.ones(semantic.shape, np.float32)
        for cls in np.unique(semantic):
            where = semantic == cls
            if int(cls) in self.seasonal_classes:
                hue[where] = rng.uniform(-self.hue_shift, self.hue_shift)
                sat[where] = rng.uniform(*self.saturation)
            else:
                val[where] = rng.uniform(*self.class_brightness)
        if self.border_blur > 0:
            hue, sat, val = (cv2.GaussianBlur(m, (0, 0), self.border_blur)
                             for m in (hue, sat, val))
        # Float HSV (hue in degrees, S and V in [0, 1]) round-trips without
        # the quantisation of OpenCV's 8-bit HSV.
        hsv = cv2.cvtColor(image.astype(np.float32) / 255, cv2.COLOR_BGR2HSV)
        hsv[..., 0] = np.mod(hsv[..., 0] + hue, 360)
        hsv[..., 1] = np.clip(hsv[..., 1] * sat, 0, 1)
        hsv[..., 2] = np.clip(hsv[..., 2] * val, 0, 1)
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR) * 255

    def _misregister(self, image: np.ndarray, rng: np.random.Generator
                     ) -> np.ndarray:
        if self.max_shift <= 0 and self.max_rotation <= 0:
            return image
        height, width = image.shape[:2]
        matrix = cv2.getRotationMatrix2D(
            (width / 2, height / 2),
            rng.uniform(-self.max_rotation, self.max_rotation), 1.0)
        matrix[:, 2] += rng.uniform(-self.max_shift, self.max_shift, 2)
        return cv2.warpAffine(image, matrix, (width, height),
                              flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT_101)
