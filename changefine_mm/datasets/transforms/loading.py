"""Loading of the two dates and of the change label."""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from changefine_mm.registry import TRANSFORMS
from .label_rules import encode_binary_label, read_label_image
from .opencd_label import decode_grey_label, opencd_binary_label, reduce_zero


class ImagePairError(ValueError):
    """The two dates of a pair cannot be used together."""


def decode_image(content: bytes, path: str) -> np.ndarray:
    """Decode image bytes into an 8-bit, 3-channel BGR array.

    Grayscale images are replicated to 3 channels and an alpha channel is
    dropped (OpenCV's ``IMREAD_COLOR``).

    Args:
        content (bytes): The file's bytes.
        path (str): The file name, for error messages.

    Returns:
        np.ndarray: (H, W, 3) uint8 array in BGR order (OpenCV's, as in
        open-cd; the data preprocessor converts to RGB).
    """
    buffer = np.frombuffer(content, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if image is None:
        raise OSError(f'cannot read image {path}: the file is empty, '
                      'corrupt or not an image')
    return image


def check_same_size(img_from: np.ndarray, img_to: np.ndarray,
                    names: list) -> None:
    """Raise :class:`ImagePairError` unless both dates have one size."""
    if img_from.shape[:2] != img_to.shape[:2]:
        raise ImagePairError(
            f'image pair has different sizes: {names[0]} is '
            f'{img_from.shape[1]}x{img_from.shape[0]}, {names[1]} is '
            f'{img_to.shape[1]}x{img_to.shape[0]} (width x height)')


@TRANSFORMS.register_module()
class MultiImgLoadImageFromFile(BaseTransform):
    """Load both dates listed in ``results['img_path']``.

    Adds ``img`` (list of two HxWx3 BGR arrays), ``img_shape`` and
    ``ori_shape``.

    Args:
        to_float32 (bool): Convert the images to float32.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 to_float32: bool = False,
                 backend_args: Optional[dict] = None) -> None:
        self.to_float32 = to_float32
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        paths = results['img_path']
        images = []
        for path in paths:
            try:
                content = get(path, backend_args=self.backend_args)
            except OSError as err:
                raise OSError(f'cannot read image {path}: {err}') from err
            image = decode_image(content, path)
            images.append(image.astype(np.float32)
                          if self.to_float32 else image)
        check_same_size(images[0], images[1], paths)
        results['img'] = images
        results['img_shape'] = images[0].shape[:2]
        results['ori_shape'] = images[0].shape[:2]
        return results


@TRANSFORMS.register_module(name=[
    'MultiImgLoadImageFromNDArray', 'MultiImgLoadLoadImageFromNDArray'
])
class MultiImgLoadImageFromNDArray(BaseTransform):
    """Take both dates from arrays already in ``results['img']``.

    Used by inference on in-memory images. Also registered under open-cd's
    (misspelt) name ``MultiImgLoadLoadImageFromNDArray``.
    """

    def transform(self, results: dict) -> dict:
        images = list(results['img'])
        names = results.get('img_path') or ['array A', 'array B']
        check_same_size(images[0], images[1], names)
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
