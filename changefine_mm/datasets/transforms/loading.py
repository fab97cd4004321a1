"""Loading of the two dates and of the change label."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from changefine_mm.registry import TRANSFORMS
from changefine_mm.utils import image_io
from changefine_mm.utils.pixel_scaling import (ScaleRule, build_scale,
                                               check_scalable)
from .label_rules import encode_binary_label, read_label_image
from .opencd_label import decode_grey_label, opencd_binary_label, reduce_zero


class ImagePairError(ValueError):
    """The two dates of a pair cannot be used together."""


def load_image(path: image_io.ImageSource,
               bands: Optional[Sequence[int]] = None,
               scale: Optional[ScaleRule] = None,
               backend_args: Optional[dict] = None) -> np.ndarray:
    """Read one date with its own dtype, select bands and scale it.

    Local rasters are opened in place (ENVI needs its ``.hdr`` next to the
    data); other files come through the mmengine file backend. An 8-bit
    single-band image read without ``bands`` is repeated to 3 channels,
    as OpenCV's colour mode always gave it.

    Args:
        path (str | Sequence[str]): Image file, or single-band files.
        bands (Sequence[int], optional): 1-based file bands to keep.
        scale (ScaleRule, optional): Pixel scaling rule; required for
            anything but 8-bit pixels.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        np.ndarray: ``(H, W, C)``: uint8 as stored without a rule, float32
        with one.
    """
    if image_io.is_stack(path) or (backend_args is None and '://' not in
                                   path and not image_io.uses_opencv(path)):
        image = image_io.read_image(path, bands)
    else:
        try:
            content = get(path, backend_args=backend_args)
        except OSError as err:
            raise OSError(f'cannot read image {path}: {err}') from err
        image = image_io.decode_image(content, path, bands)
    check_scalable(image.dtype, scale, path)
    if scale is not None:
        return scale(image, image_io.plane_bands(bands, image.shape[2]))
    if bands is None and image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return image


def display_image(path: image_io.ImageSource,
                  backend_args: Optional[dict] = None) -> np.ndarray:
    """One date as an 8-bit BGR picture, for drawing only.

    8-bit images come exactly as the pipeline reads them without a rule
    (grey repeated to 3 channels); other dtypes are stretched from each
    band's 2nd to its 98th percentile. One or two bands show the first as
    grey, more than three the first three (band 1 as red).

    Args:
        path (str | Sequence[str]): Image file, or single-band files.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8, BGR.
    """
    image = load_image(path, scale=None if _is_8_bit(path) else
                       build_scale(dict(type='percentile')),
                       backend_args=backend_args)
    if image.shape[2] < 3:
        image = np.repeat(image[..., :1], 3, axis=2)
    elif image.shape[2] > 3:
        image = image[..., 2::-1]
    return np.ascontiguousarray(image.astype(np.uint8))


def _is_8_bit(path: image_io.ImageSource) -> bool:
    try:
        return image_io.read_image_header(path).dtype == 'uint8'
    except (OSError, ValueError):
        return True  # remote files: OpenCV's formats, read as before


def check_same_size(img_from: np.ndarray, img_to: np.ndarray,
                    names: list) -> None:
    """Raise :class:`ImagePairError` unless both dates have one size and
    one band count."""
    if img_from.shape[2:] != img_to.shape[2:]:
        raise ImagePairError(
            f'image pair has different band counts: {names[0]} has '
            f'{img_from.shape[2]}, {names[1]} has {img_to.shape[2]}')
    if img_from.shape[:2] != img_to.shape[:2]:
        raise ImagePairError(
            f'image pair has different sizes: {names[0]} is '
            f'{img_from.shape[1]}x{img_from.shape[0]}, {names[1]} is '
            f'{img_to.shape[1]}x{img_to.shape[0]} (width x height)')


@TRANSFORMS.register_module()
class MultiImgLoadImageFromFile(BaseTransform):
    """Load both dates listed in ``results['img_path']``.

    Any format of :mod:`changefine_mm.utils.image_io` (PNG, JPEG, TIFF,
    GeoTIFF, ENVI, JPEG 2000, ...) with its own dtype and bands. 8-bit
    images without a rule arrive exactly as OpenCV's colour mode gave them
    (HxWx3 BGR uint8); any other dtype needs a ``scale`` rule (an error
    otherwise, never a silent cut to 8 bits).

    Adds ``img`` (list of two HxWxC arrays), ``img_shape``, ``ori_shape``
    and ``img_scaled`` (the scaling rule's type, None without one).

    Args:
        to_float32 (bool): Convert the images to float32.
        bands (Sequence[int], optional): 1-based file bands to keep, in
            this order, e.g. ``[4, 3, 2]`` for Sentinel-2 RGB; 3 bands come
            blue first like every 3-band image (``bgr_to_rgb=True``).
        scale (dict, optional): Pixel scaling rule, e.g.
            ``dict(type='fixed', max=10000)``; see
            :mod:`changefine_mm.utils.pixel_scaling`.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 to_float32: bool = False,
                 bands: Optional[Sequence[int]] = None,
                 scale: Optional[dict] = None,
                 backend_args: Optional[dict] = None) -> None:
        self.to_float32 = to_float32
        self.bands = None if bands is None else [int(b) for b in bands]
        self.scale = build_scale(scale)
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        paths = results['img_path']
        images = []
        for path in paths:
            image = load_image(path, self.bands, self.scale,
                               self.backend_args)
            images.append(image.astype(np.float32)
                          if self.to_float32 else image)
        check_same_size(images[0], images[1], paths)
        results['img'] = images
        results['img_shape'] = images[0].shape[:2]
        results['ori_shape'] = images[0].shape[:2]
        results['img_scaled'] = self.scale and self.scale.name
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(to_float32={self.to_float32}, '
                f'bands={self.bands}, scale={type(self.scale).__name__}, '
                f'backend_args={self.backend_args})')


@TRANSFORMS.register_module(name=[
    'MultiImgLoadImageFromNDArray', 'MultiImgLoadLoadImageFromNDArray'
])
class MultiImgLoadImageFromNDArray(BaseTransform):
    """Take both dates from arrays already in ``results['img']``.

    Used by inference on in-memory images. Also registered under open-cd's
    (misspelt) name ``MultiImgLoadLoadImageFromNDArray``. 8-bit and float
    arrays (taken as already scaled) pass as they are unless a rule is
    given; other integer arrays (16-bit ...) need one.

    Args:
        scale (dict, optional): Pixel scaling rule (see
            :mod:`changefine_mm.utils.pixel_scaling`), fitted per array.
    """

    def __init__(self, scale: Optional[dict] = None) -> None:
        self.scale = build_scale(scale)

    def transform(self, results: dict) -> dict:
        images = list(results['img'])
        names = results.get('img_path') or ['array A', 'array B']
        check_same_size(images[0], images[1], names)
        if self.scale is not None:
            images = [self.scale(i if i.ndim == 3 else i[..., None])
                      for i in images]
        for image, name in zip(images, names):
            if image.dtype.kind in 'ui':
                check_scalable(image.dtype, self.scale, name)
        results['img_scaled'] = self.scale and self.scale.name
        results['img'] = images
        results['img_shape'] = images[0].shape[:2]
        results['ori_shape'] = images[0].shape[:2]
        results.setdefault('img_path', None)
        return results


@TRANSFORMS.register_module()
class MultiImgLoadAnnotations(BaseTransform):
    """Load the change label and apply the dataset's label rule.

    See :mod:`changefine_mm.datasets.transforms.label_rules`. The rule's
    settings come from the dataset (``format_seg_map``, ``value_map``,
    ``ignore_index`` in ``results``); this transform's arguments override
    them when given.

    With ``opencd_compat`` set by the dataset, the label is read exactly
    as open-cd reads it (:mod:`.opencd_label`) instead.

    Args:
        format_seg_map (str, optional): None or 'to_binary'.
        reduce_zero_label (bool, optional): open-cd's argument; it must
            agree with the dataset's ``reduce_zero_label`` (which is used
            when this is None).
        imdecode_backend (str): 'pillow' reads palette labels by index
            (the default rule); any other mmcv backend ('cv2',
            'tifffile') decodes a grey image first.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 format_seg_map: Optional[str] = None,
                 reduce_zero_label: Optional[bool] = None,
                 imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None) -> None:
        self.format_seg_map = format_seg_map
        self.reduce_zero_label = reduce_zero_label
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def _reduce_zero_label(self, results: dict) -> bool:
        from_dataset = bool(results.get('reduce_zero_label') or False)
        if self.reduce_zero_label is not None and bool(
                self.reduce_zero_label) != from_dataset:
            raise ValueError(
                f'MultiImgLoadAnnotations(reduce_zero_label='
                f'{self.reduce_zero_label}) disagrees with the dataset of '
                f'{results["seg_map_path"]} (reduce_zero_label='
                f'{from_dataset}); set it in the dataset config only')
        return from_dataset

    def _decode(self, content: bytes, path: str, results: dict):
        if results.get('opencd_compat') or self.imdecode_backend != 'pillow':
            raw = decode_grey_label(content, path, self.imdecode_backend)
        else:
            raw = read_label_image(content, path)
        return reduce_zero(raw) if self._reduce_zero_label(results) else raw

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        try:
            content = get(path, backend_args=self.backend_args)
        except OSError as err:
            raise OSError(f'cannot read label file {path}: {err}') from err
        raw = self._decode(content, path, results)
        if 'img_shape' in results and raw.shape != tuple(
                results['ori_shape']):
            raise ImagePairError(
                f'label {path} is {raw.shape[1]}x{raw.shape[0]} but its '
                f'images are {results["ori_shape"][1]}x'
                f'{results["ori_shape"][0]} (width x height)')
        if results.get('opencd_compat'):
            results['gt_seg_map'] = opencd_binary_label(
                raw, False, self.format_seg_map
                or results.get('format_seg_map'), results.get('label_map'))
        else:
            results['gt_seg_map'] = encode_binary_label(
                raw,
                path,
                format_seg_map=self.format_seg_map
                or results.get('format_seg_map'),
                value_map=results.get('value_map'),
                ignore_index=results.get('ignore_index', 255))
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results
