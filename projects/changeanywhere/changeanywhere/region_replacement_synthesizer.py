"""RegionReplacementSynthesizer: changed regions copied from other images."""
from typing import Optional, Tuple

import cv2
import numpy as np

from changefine_mm.registry import TASK_UTILS
from .change_synthesizer import ChangeSynthesizer


@TASK_UTILS.register_module()
class RegionReplacementSynthesizer(ChangeSynthesizer):
    """Give every changed region the appearance of its new class.

    A training-free stand-in for ChangeAnywhere's diffusion renderer: for
    each connected region whose class changed to ``c``, a donor image
    containing ``c`` is drawn from the bank (other images first), the
    window of the region's bounding-box size with the most ``c`` pixels
    is taken from it (randomly flipped), its non-``c`` pixels are filled
    with the nearest ``c`` pixel, and the result is pasted into the region
    with an alpha that ramps from the region's border inwards over
    ``feather`` pixels (pixels outside the region are never touched).
    ``harmonize`` moves the donor's mean colour that far towards date A's.

    Args:
        bank (ClassDonorBank): Donor index (given by the pipeline).
        feather (float): Width of the border blend in pixels; 0 pastes
            hard edges. Defaults to 3.
        harmonize (float): Share of the colour-mean difference removed, in
            [0, 1]. Defaults to 0.5.
    """

    def __init__(self,
                 bank=None,
                 feather: float = 3.0,
                 harmonize: float = 0.5) -> None:
        super().__init__(bank)
        if bank is None:
            raise ValueError('RegionReplacementSynthesizer needs the donor '
                             'bank of the source images')
        if not 0 <= harmonize <= 1:
            raise ValueError(f'harmonize must be in [0, 1], got {harmonize}')
        self.feather = feather
        self.harmonize = harmonize

    def render(self, image: np.ndarray, semantic_from: np.ndarray,
               semantic_to: np.ndarray, rng: np.random.Generator,
               source_index: Optional[int] = None) -> np.ndarray:
        """Date B: date A with every changed region replaced."""
        out = image.astype(np.float32)
        mean = _mean_colour(image)
        changed = semantic_from != semantic_to
        for cls in np.unique(semantic_to[changed]):
            count, labels, boxes, _ = cv2.connectedComponentsWithStats(
                (changed & (semantic_to == cls)).astype(np.uint8),
                connectivity=8)
            for index in range(1, count):
                left, top, width, height = boxes[index, :4]
                window = (slice(top, top + height), slice(left, left + width))
                region = labels[window] == index
                donor = self.bank.pick(int(cls), rng, exclude=source_index)
                if donor is None:
                    raise ValueError(f'no source image has class {cls}, so '
                                     'no region can take its appearance')
                texture = self._texture(region.shape, int(cls), donor, mean,
                                        rng)
                alpha = self._alpha(region)[..., None]
                out[window] = np.where(
                    region[..., None],
                    alpha * texture + (1 - alpha) * out[window], out[window])
        return np.clip(out.round(), 0, 255).astype(np.uint8)

    def _alpha(self, region: np.ndarray) -> np.ndarray:
        """Opacity of the texture over a region's bounding box."""
        if self.feather <= 0:
            return region.astype(np.float32)
        # Distance to the nearest unchanged pixel, 1 on the region's rim;
        # the zero border stands for the pixels around the bounding box.
        padded = cv2.copyMakeBorder(region.astype(np.uint8), 1, 1, 1, 1,
                                    cv2.BORDER_CONSTANT, value=0)
        inside = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
        return np.clip(inside / self.feather, 0, 1) * region

    def _texture(self, size: Tuple[int, int], cls: int, donor: int,
                 mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A ``size`` patch showing class ``cls``, taken from ``donor``."""
        donor_image, donor_map = self.bank.load(donor)
        patch, mask = self._window(donor_image, donor_map == cls, size, rng)
        if rng.random() < 0.5:
            patch, mask = patch[:, ::-1], mask[:, ::-1]
        if rng.random() < 0.5:
            patch, mask = patch[::-1], mask[::-1]
        patch = _fill_from_nearest(np.ascontiguousarray(patch),
                                   np.ascontiguousarray(mask))
        return patch.astype(np.float32) + self.harmonize * (
            mean - _mean_colour(donor_image))

    @staticmethod
    def _window(image: np.ndarray, mask: np.ndarray, size: Tuple[int, int],
                rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
        """The ``size`` window of the donor richest in the class."""
        pad_h = max(size[0] - mask.shape[0], 0)
        pad_w = max(size[1] - mask.shape[1], 0)
        if pad_h or pad_w:
            # A region larger than the donor: mirror the donor to cover it.
            border = (0, pad_h, 0, pad_w, cv2.BORDER_REFLECT_101)
            image = cv2.copyMakeBorder(image, *border)
            mask = cv2.copyMakeBorder(mask.astype(np.uint8), *border) > 0
        integral = cv2.integral(mask.astype(np.uint8))
        h, w = size
        sums = (integral[h:, w:] - integral[:-h, w:] - integral[h:, :-w] +
                integral[:-h, :-w])
        best = np.argwhere(sums >= 0.9 * sums.max())
        y, x = best[rng.integers(len(best))]
        return image[y:y + h, x:x + w], mask[y:y + h, x:x + w]


def _fill_from_nearest(patch: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Give every pixel outside ``mask`` the value of the nearest one inside.

    Args:
        patch (np.ndarray): (h, w, 3) image.
        mask (np.ndarray): (h, w) bool, True where the class is; not empty.

    Returns:
        np.ndarray: The filled patch (only values of ``mask`` pixels).
    """
    if mask.all():
        return patch
    # Each class pixel is a zero of the input and gets its own label; every
    # other pixel receives the label of its nearest class pixel.
    _, labels = cv2.distanceTransformWithLabels(
        (~mask).astype(np.uint8), cv2.DIST_L2, 3,
        labelType=cv2.DIST_LABEL_PIXEL)
    source_y, source_x = np.nonzero(mask)
    lookup = np.zeros((labels.max() + 1, 2), np.int64)
    lookup[labels[source_y, source_x]] = np.stack([source_y, source_x], 1)
    nearest = lookup[labels]
    return patch[nearest[..., 0], nearest[..., 1]]


def _mean_colour(image: np.ndarray) -> np.ndarray:
    """Mean of each of the 3 channels (OpenCV's, much faster than numpy's
    axis reduction on large uint8 images)."""
    return np.array(cv2.mean(image)[:3], np.float32)
