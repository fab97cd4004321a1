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
   replaced by open-cd's threshold: < 128 -> 0, >= 128 -> 1, unless the
   remaining values look like class indices or grades (at most 16
   distinct values, all below 128, one of them above 1, e.g. xBD's
   damage grades 0..4): the threshold would read all of them as
   unchanged, so that is an error pointing to ``value_map``.

Every error proposes a ``value_map`` that covers every value of the file.
"""
import ast
import io
from typing import Dict, Iterable, List, Mapping, Optional

import numpy as np
from PIL import Image

# More distinct values than this are not read as class indices: the hint
# then proposes the 128 threshold instead of listing a map.
MAX_CLASS_VALUES = 16


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


def normalize_value_map(value_map) -> Dict[int, int]:
    """Turn a ``value_map`` from a config or the command line into ints.

    ``--cfg-options`` gives ``dataset.value_map.2=1`` as ``{'2': 1}`` and
    ``"dataset.value_map={2:1,3:1}"`` as a string (or, split at the
    commas, a list of its pieces); all of these are accepted.

    Args:
        value_map (dict | str | list | None): Raw label value -> label
            value.

    Returns:
        dict[int, int]: The same map with integer keys and values.

    Raises:
        LabelValueError: Naming ``value_map`` and the entry at fault.
    """
    if value_map is None:
        return {}
    if isinstance(value_map, (list, tuple)) and all(
            isinstance(piece, str) for piece in value_map):
        value_map = ','.join(value_map)
    if isinstance(value_map, str):
        try:
            value_map = ast.literal_eval(value_map.strip() or '{}')
        except (ValueError, SyntaxError) as err:
            raise LabelValueError(
                f'value_map={value_map!r} is not a dict literal; write it as '
                '{raw value: label value, ...}, e.g. value_map={2: 1, 3: 1} '
                '(or --cfg-options dataset.value_map.2=1)') from err
    if not isinstance(value_map, Mapping):
        raise LabelValueError(
            f'value_map must be a dict {{raw value: label value}}, got '
            f'{type(value_map).__name__} {value_map!r}')
    return {
        _label_int(key, value_map, 'key'): _label_int(value, value_map,
                                                      'value')
        for key, value in value_map.items()
    }


def _label_int(item, value_map: Mapping, role: str) -> int:
    """One key or value of ``value_map`` as a non-negative int."""
    try:
        number = int(str(item).strip()) if not isinstance(
            item, (bool, float)) else None
    except ValueError:
        number = None
    if number is None or number < 0:
        raise LabelValueError(
            f'value_map {role} {item!r} is not a non-negative integer '
            f'(value_map={dict(value_map)!r}); keys are raw label values '
            'and values are 0 (unchanged), 1 (changed) or the ignore index, '
            'e.g. value_map={2: 1, 3: 1}')
    return number


def looks_like_classes(values: Iterable[int]) -> bool:
    """Whether label values look like class indices or grades.

    True for a few distinct values (at most :data:`MAX_CLASS_VALUES`), all
    below 128 and at least one above 1: thresholding at 128 would read
    every one of them as unchanged. A JPEG-blurred 0/255 mask does not
    match as soon as it holds a change (values of 128 and more); one
    without changes is all zero.

    Args:
        values (iterable[int]): Distinct raw values of one label file.

    Returns:
        bool: True when thresholding at 128 would lose classes.
    """
    values = set(values)
    return (len(values) <= MAX_CLASS_VALUES and max(values, default=0) < 128
            and any(v > 1 for v in values))


def propose_value_maps(values: Iterable[int],
                       value_map: Optional[Mapping[int, int]] = None,
                       ignore_index: int = 255) -> List[str]:
    """Example ``value_map`` settings, each covering every value found.

    Args:
        values (iterable[int]): Distinct raw values not mapped yet.
        value_map (dict, optional): The map already given (kept).
        ignore_index (int): Value ignored by losses and metrics.

    Returns:
        list[str]: Lines such as ``'value_map={0: 0, 7: 255} (ignore
        7)'``; empty when there are too many values for a map.
    """
    values = sorted(set(values))
    if len(values) > MAX_CLASS_VALUES:
        return []
    given = dict(value_map or {})
    changed = 255 if 255 in values and 1 not in values else 1
    others = [v for v in values if v not in (0, changed)]
    proposals = []
    if others:
        ignore = {v: 0 if v == 0 else 1 if v == changed else ignore_index
                  for v in values}
        proposals.append(f'value_map={_map_text(given, ignore)} '
                         f'(ignore {_values_text(others)})')
    nonzero = {v: int(v != 0) for v in values}
    proposals.append(f'value_map={_map_text(given, nonzero)} (every '
                     'non-zero value is a change)')
    if any(1 < v < 5 for v in values) and max(values) < 128:
        xbd = {v: 0 if v < 2 else 1 if v < 5 else ignore_index
               for v in values}
        proposals.append(
            f'value_map={_map_text(given, xbd)} (damage grades as in xBD: '
            '0 background and 1 no damage are unchanged, 2..4 damage is '
            'changed; see docs/datasets.md)')
    return proposals


def _map_text(given: Mapping[int, int], extra: Mapping[int, int]) -> str:
    merged = dict(given)
    merged.update(extra)
    return '{' + ', '.join(f'{k}: {v}' for k, v in sorted(merged.items())) \
        + '}'


def _values_text(values: List[int]) -> str:
    return ', '.join(map(str, values))


def label_problem(values: Iterable[int],
                  format_seg_map: Optional[str] = None) -> Optional[str]:
    """What is wrong with the (unmapped) values of a label file.

    Args:
        values (iterable[int]): Distinct raw values not mapped by
            ``value_map``.
        format_seg_map (str, optional): None (strict rule) or 'to_binary'.

    Returns:
        str | None: The problem, e.g. 'values 7 fit neither ...', or None
        when the values follow the rule.
    """
    values = set(values)
    if format_seg_map == 'to_binary':
        if not looks_like_classes(values):
            return None
        return (f'values {_values_text(sorted(values))} look like class '
                "indices or grades; format_seg_map='to_binary' would read "
                'every value below 128 as unchanged')
    if values <= {0, 1} or values <= {0, 255}:
        return None
    unexpected = sorted(values - {0, 1, 255})
    if not unexpected:
        return 'both 1 and 255 occur, which fits neither the 0/1 nor the ' \
            '0/255 encoding'
    shown = _values_text(unexpected[:10]) + (' ...' if len(unexpected) > 10
                                             else '')
    return f'values {shown} fit neither the 0/1 nor the 0/255 encoding'


def label_remedies(values: Iterable[int],
                   value_map: Optional[Mapping[int, int]] = None,
                   ignore_index: int = 255,
                   format_seg_map: Optional[str] = None) -> str:
    """How to fix label values that break the rule.

    Args:
        values (iterable[int]): Distinct raw values not mapped yet (of one
            file, or of every file at fault).
        value_map (dict, optional): The map already given.
        ignore_index (int): Value ignored by losses and metrics.
        format_seg_map (str, optional): The rule in use.

    Returns:
        str: Proposed ``value_map`` settings covering every value, and
        ``format_seg_map='to_binary'`` when thresholding suits the values.
    """
    values = set(values)
    lines = [f'- {line}' for line in propose_value_maps(
        values, value_map, ignore_index)]
    if format_seg_map != 'to_binary' and not looks_like_classes(values):
        lines.append("- format_seg_map='to_binary' (threshold at 128, "
                     'for lossy JPEG labels)')
    return ('Set value_map in the dataset config (or --cfg-options '
            '<dataset>.value_map.<raw>=<label>) to say what each value '
            'means, e.g.\n' + '\n'.join(lines))


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
        value_map (dict, optional): Raw value -> label value overrides
            (string keys and values from the command line are accepted).
        ignore_index (int): The ignore value; kept by ``value_map`` only.

    Returns:
        np.ndarray: uint8 (H, W) map of 0, 1 and mapped values.

    Raises:
        LabelValueError: Naming the file, its values and a ``value_map``
            that covers them.
    """
    value_map = normalize_value_map(value_map)
    mapped = np.zeros(raw.shape, dtype=bool)
    out = np.zeros(raw.shape, dtype=np.uint8)
    for src, dst in value_map.items():
        hit = raw == src
        out[hit] = dst
        mapped |= hit
    rest = raw[~mapped]
    values = set(np.unique(rest).tolist())
    problem = label_problem(values, format_seg_map)
    if problem:
        raise LabelValueError(
            f'label file {path}: {problem}. ' + label_remedies(
                values, value_map, ignore_index, format_seg_map))
    if format_seg_map == 'to_binary':
        out[~mapped] = (rest >= 128).astype(np.uint8)
    elif values <= {0, 1}:
        out[~mapped] = rest
    else:
        out[~mapped] = (rest == 255).astype(np.uint8)
    return out
