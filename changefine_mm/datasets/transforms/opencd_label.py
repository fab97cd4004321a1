"""open-cd's way of reading a change label, for ``opencd_compat=True``.

open-cd (``MultiImgLoadAnnotations._load_seg_map``) decodes the label as a
grey image with mmcv (palette and colour files become luminance), then
applies ``reduce_zero_label``, then ``format_seg_map='to_binary'`` (< 128
-> 0, >= 128 -> 1) and finally the dataset's ``label_map``. Values are not
checked: a 0/1 label file read with ``'to_binary'`` becomes all zeros, and
without ``format_seg_map`` a 0/255 file keeps 255, the ignore index. This
module reproduces that exactly so that open-cd experiments can be repeated
here; the default rule (:mod:`.label_rules`) rejects such files instead.
"""
from typing import Dict, Optional

import mmcv
import numpy as np


def reduce_zero(label: np.ndarray) -> np.ndarray:
    """mmseg's ``reduce_zero_label``: 0 -> 255, v -> v - 1, 255 stays.

    Args:
        label (np.ndarray): uint8 label map.

    Returns:
        np.ndarray: The reduced uint8 map (a new array).
    """
    label = label.copy()
    # 0 -> 255 first, so that the uint8 subtraction cannot wrap around.
    label[label == 0] = 255
    label = label - 1
    label[label == 254] = 255
    return label


def decode_grey_label(content: bytes, path: str,
                      imdecode_backend: str = 'pillow') -> np.ndarray:
    """Decode label bytes as mmcv's ``flag='grayscale'`` does.

    Args:
        content (bytes): The file's bytes.
        path (str): The file name, for error messages.
        imdecode_backend (str): mmcv decoding backend ('pillow', 'cv2',
            'tifffile').

    Returns:
        np.ndarray: uint8 (H, W) label values.
    """
    try:
        label = mmcv.imfrombytes(content, flag='grayscale',
                                 backend=imdecode_backend)
    except Exception as err:  # noqa: BLE001 - decoders raise many types
        raise OSError(f'cannot read label file {path} with '
                      f'imdecode_backend={imdecode_backend!r}: {err}') from err
    if label is None:
        raise OSError(f'cannot read label file {path}: the file is empty, '
                      'corrupt or not an image')
    return label.squeeze().astype(np.uint8)


def opencd_binary_label(label: np.ndarray,
                        reduce_zero_label: bool = False,
                        format_seg_map: Optional[str] = None,
                        label_map: Optional[Dict[int, int]] = None
                        ) -> np.ndarray:
    """Apply open-cd's label steps to a decoded grey label.

    Args:
        label (np.ndarray): uint8 (H, W) grey label.
        reduce_zero_label (bool): Whether to apply :func:`reduce_zero`.
        format_seg_map (str, optional): None or 'to_binary'.
        label_map (dict, optional): Old class index -> new class index.

    Returns:
        np.ndarray: uint8 (H, W) label map.
    """
    if format_seg_map not in (None, 'to_binary'):
        raise ValueError("format_seg_map must be None or 'to_binary', got "
                         f'{format_seg_map!r}')
    if reduce_zero_label:
        label = reduce_zero(label)
    if format_seg_map == 'to_binary':
        label = (label >= 128).astype(np.uint8)
    if label_map:
        source = label.copy()
        label = label.copy()
        for old_id, new_id in label_map.items():
            label[source == old_id] = new_id
    return label
