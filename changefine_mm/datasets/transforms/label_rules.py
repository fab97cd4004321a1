"""How label files become {0 unchanged, 1 changed} maps.

The rule (also in ``docs/datasets.md``):

1. The file is read as one channel: single-channel images as they are,
   palette images by their palette *indices*, RGB/RGBA images only if
   the three colour channels are identical (else: error).
2. ``value_map`` (from the dataset config) replaces listed raw values, e.g.
   ``{255: 255}`` keeps 255 as the ignore index in a 0/1 dataset.
3. The remaining values must be a subset of {0, 1} (0/1 encoding) or of
   {0, 255} (0/255 encoding, 255 -> 1). Anything else is an error that
   names the file and the unexpected values.
4. With ``format_seg_map='to_binary'`` (lossy JPEG labels) step 3 is
   replaced by open-cd's threshold: < 128 -> 0, >= 128 -> 1.
"""
import io
from typing import Dict, Optional

import numpy as np
from PIL import Image


class LabelValueError(ValueError):
    """A label file holds values outside the accepted encodings."""


def read_label_image(content: bytes, path: str) -> np.ndarray:
    """Decode label file bytes into one channel.

    Args:
        content (bytes): The file's bytes.
        path (str): The file name, for error messages.

    Returns:
        np.ndarray: (H, W) array of raw label values.
    """
    try:
        image = Image.open(io.BytesIO(content))
        image.load()
    except Exception as err:  # noqa: BLE001 - PIL raises many types
        raise OSError(f'cannot read label file {path}: {err}') from err
    if image.mode in ('RGB', 'RGBA'):
        rgb = np.asarray(image)[..., :3]
        if not ((rgb[..., 0] == rgb[..., 1]).all()
                and (rgb[..., 1] == rgb[..., 2]).all()):
            raise LabelValueError(
                f'label file {path} is a colour image whose channels differ; '
                'expected a single-channel, palette or grey RGB label')
        return np.ascontiguousarray(rgb[..., 0])
    if image.mode == '1':
        return np.asarray(image, dtype=np.uint8)
    if image.mode not in ('L', 'P', 'I', 'I;16', 'LA', 'PA'):
        raise LabelValueError(f'label file {path} has unsupported image mode '
                              f'{image.mode!r}')
    array = np.asarray(image)
    return array[..., 0] if array.ndim == 3 else array


def encode_binary_label(raw: np.ndarray,
                        path: str,
                        format_seg_map: Optional[str] = None,
                        value_map: Optional[Dict[int, int]] = None,
                        ignore_index: int = 255) -> np.ndarray:
    """Apply the label rule to a raw single-channel label.

    Args:
        raw (np.ndarray): Raw (H, W) label values.
        path (str): The label's file name, for error messages.
        format_seg_map (str, optional): None (strict rule) or 'to_binary'.
        value_map (dict, optional): Raw value -> label value overrides.
        ignore_index (int): The ignore value; kept by ``value_map`` only.

    Returns:
        np.ndarray: uint8 (H, W) map of 0, 1 and mapped values.
    """
    value_map = value_map or {}
    mapped = np.zeros(raw.shape, dtype=bool)
    out = np.zeros(raw.shape, dtype=np.uint8)
    for src, dst in value_map.items():
        hit = raw == src
        out[hit] = dst
        mapped |= hit
    rest = raw[~mapped]
    if format_seg_map == 'to_binary':
        out[~mapped] = (rest >= 128).astype(np.uint8)
        return out
    values = set(np.unique(rest).tolist())
    if values <= {0, 1}:
        out[~mapped] = rest
    elif values <= {0, 255}:
        out[~mapped] = (rest == 255).astype(np.uint8)
    else:
        unexpected = sorted(values - {0, 1, 255})
        if not unexpected:
            unexpected = [1, 255]
            hint = 'both 1 and 255 occur'
        else:
            hint = 'values ' + ', '.join(map(str, unexpected[:10]))
        raise LabelValueError(
            f'label file {path}: {hint} do not fit the 0/1 or 0/255 '
            'encodings. Map them in the dataset config, e.g. value_map='
            f'{{{unexpected[-1]}: {ignore_index}}} to ignore them, or use '
            "format_seg_map='to_binary' for lossy labels")
    return out
