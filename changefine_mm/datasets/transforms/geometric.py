"""Geometric transforms: one random draw moves A, B and the label together."""
from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS


def _apply(results: dict, image_fn, label_fn) -> None:
    """Apply ``image_fn`` to both dates and ``label_fn`` to every label."""
    results['img'] = [image_fn(img) for img in results['img']]
    for key in results.get('seg_fields', []):
        results[key] = label_fn(results[key])
    results['img_shape'] = results['img'][0].shape[:2]


@TRANSFORMS.register_module()
class MultiImgRandomCrop(BaseTransform):
    """Crop the same random window out of both dates and the label.

    Args:
        crop_size (int | tuple[int, int]): (height, width) of the crop.
        cat_max_ratio (float): Redraw (up to 10 times) while the crop
            holds a single class or one class covers at least this fraction
            of it (ignore pixels excluded), as mmseg does. 1.0 disables the
            check.
        ignore_index (int): Label value not counted by ``cat_max_ratio``.
    """

    def __init__(self,
                 crop_size: Union[int, Tuple[int, int]],
                 cat_max_ratio: float = 1.,
                 ignore_index: int = 255) -> None:
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        if crop_size[0] <= 0 or crop_size[1] <= 0:
            raise ValueError(f'crop_size must be positive, got {crop_size}')
        self.crop_size = tuple(crop_size)
        self.cat_max_ratio = cat_max_ratio
        self.ignore_index = ignore_index

    def _random_window(self, shape: Tuple[int, int]) -> Tuple[int, ...]:
        top = np.random.randint(0, max(shape[0] - self.crop_size[0], 0) + 1)
        left = np.random.randint(0, max(shape[1] - self.crop_size[1], 0) + 1)
        return (top, min(top + self.crop_size[0], shape[0]), left,
                min(left + self.crop_size[1], shape[1]))

    def _too_uniform(self, label: np.ndarray) -> bool:
        values, counts = np.unique(label, return_counts=True)
        counts = counts[values != self.ignore_index]
        return len(counts) < 2 or counts.max() / counts.sum(
        ) >= self.cat_max_ratio

    def transform(self, results: dict) -> dict:
        window = self._random_window(results['img'][0].shape[:2])
        label = results.get('gt_seg_map')
        if self.cat_max_ratio < 1. and label is not None:
            for _ in range(10):
                y0, y1, x0, x1 = window
                if not self._too_uniform(label[y0:y1, x0:x1]):
                    break
                window = self._random_window(results['img'][0].shape[:2])
        y0, y1, x0, x1 = window
        _apply(results, lambda a: a[y0:y1, x0:x1, ...],
               lambda a: a[y0:y1, x0:x1])
        return results


@TRANSFORMS.register_module()
class MultiImgRandomFlip(BaseTransform):
    """Flip both dates and the label with one random draw.

    Args:
        prob (float | list[float]): Flip probability, or one per direction.
        direction (str | list[str]): 'horizontal', 'vertical' or
            'diagonal'; with a list, one of them is drawn.
    """

    def __init__(self,
                 prob: Union[float, Sequence[float]] = 0.5,
                 direction: Union[str, Sequence[str]] = 'horizontal') -> None:
        directions = [direction] if isinstance(direction, str) else list(
            direction)
        probs = [prob] if isinstance(prob, (int, float)) else list(prob)
        if isinstance(prob, (int, float)) and len(directions) > 1:
            probs = [prob / len(directions)] * len(directions)
        unknown = set(directions) - {'horizontal', 'vertical', 'diagonal'}
        if unknown or len(probs) != len(directions) or sum(probs) > 1:
            raise ValueError(f'invalid flip settings: prob={prob}, '
                             f'direction={direction}')
        self.directions = directions
        self.probs = probs

    def transform(self, results: dict) -> dict:
        draw = np.random.rand()
        chosen = None
        for direction, edge in zip(self.directions, np.cumsum(self.probs)):
            if draw < edge:
                chosen = direction
                break
        results['flip'] = chosen is not None
        results['flip_direction'] = chosen
        if chosen is not None:
            _apply(results, lambda a: mmcv.imflip(a, chosen),
                   lambda a: mmcv.imflip(a, chosen))
        return results


def _rotate_pair(results: dict, angle: float, pad_val: float,
                 seg_pad_val: int, center: Optional[tuple],
                 auto_bound: bool) -> None:
    _apply(
        results, lambda a: mmcv.imrotate(
            a, angle, center=center, border_value=pad_val,
            auto_bound=auto_bound),
        lambda a: mmcv.imrotate(
            a, angle, center=center, border_value=seg_pad_val,
            auto_bound=auto_bound, interpolation='nearest'))


def _degree_range(degree: Union[float, Sequence[float]]) -> Tuple[float, ...]:
    if isinstance(degree, (int, float)):
        if degree <= 0:
            raise ValueError(f'degree must be positive, got {degree}')
        return (-degree, degree)
    if len(degree) != 2:
        raise ValueError(f'degree must be a number or a (min, max) pair, '
                         f'got {degree}')
    return (min(degree), max(degree))


@TRANSFORMS.register_module()
class MultiImgRandomRotate(BaseTransform):
    """Rotate both dates and the label by one random angle.

    Args:
        prob (float): Rotation probability.
        degree (float | tuple[float, float]): Angle range; a number d means
            (-d, d).
        pad_val (float): Fill value of the images.
        seg_pad_val (int): Fill value of the label (ignored by default).
        center (tuple, optional): Rotation centre; image centre if None.
        auto_bound (bool): Enlarge the canvas to keep the whole image.
    """

    def __init__(self,
                 prob: float,
                 degree: Union[float, Sequence[float]],
                 pad_val: float = 0,
                 seg_pad_val: int = 255,
                 center: Optional[tuple] = None,
                 auto_bound: bool = False) -> None:
        self.prob = prob
        self.degree = _degree_range(degree)
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.center = center
        self.auto_bound = auto_bound

    def transform(self, results: dict) -> dict:
        # The angle is drawn even without rotation, as open-cd does, so a
        # seeded pipeline gives open-cd's augmentations after this step too.
        rotate = np.random.rand() < self.prob
        angle = np.random.uniform(*self.degree)
        if rotate:
            _rotate_pair(results, angle, self.pad_val, self.seg_pad_val,
                         self.center, self.auto_bound)
        return results


@TRANSFORMS.register_module()
class MultiImgRandomRotFlip(BaseTransform):
    """open-cd's rotate-or-rot90-flip augmentation.

    With ``rotate_prob`` the pair is rotated by a random angle in
    ``degree``; otherwise, with ``flip_prob``, it is rotated by a random
    multiple of 90 degrees and flipped along a random axis. One draw
    serves A, B and the label.

    Args:
        rotate_prob (float): Probability of the free rotation.
        flip_prob (float): Probability of the rot90 + flip branch.
        degree (float | tuple[float, float]): Free rotation angle range.
        pad_val (float): Image fill value of the free rotation.
        seg_pad_val (int): Label fill value of the free rotation.
    """

    def __init__(self,
                 rotate_prob: float = 0.5,
                 flip_prob: float = 0.5,
                 degree: Union[float, Sequence[float]] = (-20, 20),
                 pad_val: float = 0,
                 seg_pad_val: int = 255) -> None:
        self.rotate_prob = rotate_prob
        self.flip_prob = flip_prob
        self.degree = _degree_range(degree)
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val

    def transform(self, results: dict) -> dict:
        # numpy's generator, and the flip draw even after a rotation, in
        # open-cd's order: a seeded run gives open-cd's augmentation.
        rotate = np.random.rand() < self.rotate_prob
        if rotate:
            angle = np.random.uniform(*self.degree)
            _rotate_pair(results, angle, self.pad_val, self.seg_pad_val,
                         None, False)
        if np.random.rand() < self.flip_prob and not rotate:
            turns = np.random.randint(0, 4)
            axis = np.random.randint(0, 2)

            def rot_flip(array):
                return np.ascontiguousarray(
                    np.flip(np.rot90(array, turns), axis=axis))

            _apply(results, rot_flip, rot_flip)
        return results


@TRANSFORMS.register_module()
class MultiImgExchangeTime(BaseTransform):
    """Swap the two dates with probability ``prob`` (label unchanged).

    Per-date semantic maps (``gt_seg_map_from``/``_to`` of semantic change
    datasets) and their paths swap with the images; open-cd leaves them,
    which pairs date A's land cover with date B's image.

    Args:
        prob (float): Swap probability.
    """

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            results['img'] = results['img'][::-1]
            if isinstance(results.get('img_path'), (list, tuple)):
                results['img_path'] = list(results['img_path'])[::-1]
            for key in ('gt_seg_map', 'seg_map_path'):
                if f'{key}_from' in results:
                    results[f'{key}_from'], results[f'{key}_to'] = \
                        results[f'{key}_to'], results[f'{key}_from']
        return results


@TRANSFORMS.register_module()
class MultiImgResize(BaseTransform):
    """Resize both dates (bilinear) and the label (nearest).

    Args:
        scale (int | tuple[int, int], optional): Target (width, height);
            with ``keep_ratio`` the image is fitted inside it.
        scale_factor (float | tuple[float, float], optional): Used when
            ``scale`` is None.
        keep_ratio (bool): Keep the aspect ratio: fit the image inside
            ``scale`` (or inside the size ``scale_factor`` gives), as
            mmcv's ``imrescale`` does.
        clip_object_border (bool): open-cd's argument; change detection
            has no boxes to clip, so it has no effect.
        backend (str): 'cv2' or 'pillow' (mmcv's resize backends).
        interpolation (str): Image interpolation. Defaults to 'bilinear'.
    """

    def __init__(self,
                 scale: Optional[Union[int, Tuple[int, int]]] = None,
                 scale_factor: Optional[Union[float, Tuple[float,
                                                           float]]] = None,
                 keep_ratio: bool = False,
                 clip_object_border: bool = True,
                 backend: str = 'cv2',
                 interpolation: str = 'bilinear') -> None:
        if (scale is None) == (scale_factor is None):
            raise ValueError('give exactly one of scale and scale_factor')
        if backend not in ('cv2', 'pillow'):
            raise ValueError(f"backend must be 'cv2' or 'pillow', got "
                             f'{backend!r}')
        self.scale = (scale, scale) if isinstance(scale, int) else scale
        self.scale_factor = scale_factor
        self.keep_ratio = keep_ratio
        self.clip_object_border = clip_object_border
        self.backend = backend
        self.interpolation = interpolation

    def _requested_scale(self, height: int, width: int) -> Tuple[int, int]:
        """The (width, height) asked for by ``scale`` or ``scale_factor``."""
        if self.scale is not None:
            return tuple(self.scale)
        factor = self.scale_factor
        fx, fy = (factor, factor) if isinstance(factor,
                                                (int, float)) else factor
        return int(width * fx + 0.5), int(height * fy + 0.5)

    def _target_size(self, height: int, width: int) -> Tuple[int, int]:
        """Return the output (width, height)."""
        scale = self._requested_scale(height, width)
        if not self.keep_ratio:
            return scale
        ratio = min(max(scale) / max(height, width),
                    min(scale) / min(height, width))
        return int(width * ratio + 0.5), int(height * ratio + 0.5)

    def transform(self, results: dict) -> dict:
        height, width = results['img'][0].shape[:2]
        size = self._target_size(height, width)
        _apply(results,
               lambda a: mmcv.imresize(a, size,
                                       interpolation=self.interpolation,
                                       backend=self.backend),
               lambda a: mmcv.imresize(a, size, interpolation='nearest',
                                       backend=self.backend))
        results['scale'] = self._requested_scale(height, width)
        results['scale_factor'] = (size[0] / width, size[1] / height)
        results['keep_ratio'] = self.keep_ratio
        return results


@TRANSFORMS.register_module()
class MultiImgPad(BaseTransform):
    """Pad both dates and the label at the bottom/right.

    Pads to a fixed ``size``, to the next multiple of ``size_divisor``, or
    to a square (then optionally to a multiple), as open-cd's
    ``MultiImgPad``.

    Args:
        size (tuple[int, int], optional): Fixed (width, height), the order
            of open-cd and mmcv.
        size_divisor (int, optional): Pad to a multiple of this.
        pad_to_square (bool): Pad to a square of the longer side first.
        pad_val (float | dict): Image fill value, or open-cd's
            ``dict(img=..., seg=...)`` with both fill values.
        seg_pad_val (int): Label fill value (ignored by default) when
            ``pad_val`` is a number.
        padding_mode (str): 'constant', 'edge', 'reflect' or 'symmetric'
            (the fill values only matter for 'constant').
    """

    def __init__(self,
                 size: Optional[Tuple[int, int]] = None,
                 size_divisor: Optional[int] = None,
                 pad_to_square: bool = False,
                 pad_val: Union[float, dict] = 0,
                 seg_pad_val: int = 255,
                 padding_mode: str = 'constant') -> None:
        if pad_to_square and size is not None:
            raise ValueError('pad_to_square cannot be combined with size')
        if not pad_to_square and (size is None) == (size_divisor is None):
            raise ValueError('give exactly one of size and size_divisor '
                             '(or pad_to_square)')
        if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
            raise ValueError(f'unknown padding_mode {padding_mode!r}')
        if isinstance(pad_val, dict):
            pad_val, seg_pad_val = pad_val.get('img', 0), pad_val.get(
                'seg', 255)
        self.size = size
        self.size_divisor = size_divisor
        self.pad_to_square = pad_to_square
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.padding_mode = padding_mode

    def _shape(self, height: int, width: int) -> Tuple[int, int]:
        """The padded (height, width)."""
        if self.size is not None:
            return self.size[1], self.size[0]
        if self.pad_to_square:
            height = width = max(height, width)
        if self.size_divisor is not None:
            div = self.size_divisor
            height, width = -(-height // div) * div, -(-width // div) * div
        return height, width

    def transform(self, results: dict) -> dict:
        shape = self._shape(*results['img'][0].shape[:2])
        _apply(results,
               lambda a: mmcv.impad(a, shape=shape,
                                    pad_val=_per_channel(self.pad_val, a),
                                    padding_mode=self.padding_mode),
               lambda a: mmcv.impad(a, shape=shape,
                                    pad_val=self.seg_pad_val,
                                    padding_mode=self.padding_mode))
        results['pad_shape'] = shape
        results['pad_fixed_size'] = self.size
        results['pad_size_divisor'] = self.size_divisor
        return results


def _per_channel(value, image: np.ndarray):
    """A fill value for every channel: OpenCV fills only the first channel
    with a plain number and the others with 0."""
    if isinstance(value, (int, float)) and image.ndim == 3:
        return tuple(value for _ in range(image.shape[2]))
    return value
