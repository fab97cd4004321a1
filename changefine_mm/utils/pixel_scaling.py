"""Pixel scaling rules: how non-8-bit pixels become model input.

A rule is named in a config (``scale=dict(type='fixed', max=10000)``) on
the loading transform, the inferencer and ``tools/infer.py``. Every rule
but ``raw`` maps each band linearly onto 0..255 (float32, clipped), the
range of 8-bit images, so that the data preprocessor's means and stds and
any RGB-pretrained model see what they were made for:

* ``fixed``: ``min`` (default 0) .. ``max``, the same for every image
  (a number, or one per file band);
* ``percentile``: the ``low`` .. ``high`` percentiles of each band of each
  image (a contrast stretch; a scene is fitted once, on an overview);
* ``dataset_stats``: the ``low`` .. ``high`` percentiles of each band over
  a training split, from the file ``tools/analysis_tools/dataset_stats.py``
  writes;
* ``log``: ``10 * log10`` of linear SAR backscatter, ``min_db`` ..
  ``max_db`` (non-positive values count as ``min_db``);
* ``raw``: the values as float32, unchanged (the preprocessor normalises
  them, e.g. with the statistics file's means and stds).

NaN pixels (float nodata) are left out of fitting and become 0.
Per-band values are looked up by file band number (1-based), whatever
bands are selected and in whatever order the planes come.
"""
import ast
import json
from typing import Dict, Optional, Sequence, Tuple, Type, Union

import numpy as np

Stretch = Optional[Tuple[np.ndarray, np.ndarray]]
PerBand = Union[float, Sequence[float]]
SCALE_RULES: Dict[str, Type['ScaleRule']] = {}
DOCS_HINT = 'see docs/real_imagery.md'


def register_scale(name: str):
    """Class decorator registering a rule under ``name`` (config type).

    Args:
        name (str): The ``type`` a config gives.

    Returns:
        callable: The decorator.
    """

    def add(cls):
        SCALE_RULES[name] = cls
        cls.name = name
        return cls

    return add


def build_scale(cfg: Optional[Union[dict, 'ScaleRule']]
                ) -> Optional['ScaleRule']:
    """Build a rule from its config.

    Args:
        cfg (dict | ScaleRule | None): ``dict(type=..., **args)``, a built
            rule, or None (no rule: only 8-bit images are accepted).

    Returns:
        ScaleRule | None: The rule.
    """
    if cfg is None or isinstance(cfg, ScaleRule):
        return cfg
    args = dict(cfg)
    name = args.pop('type', None)
    if name not in SCALE_RULES:
        raise ValueError(f'unknown pixel scale type {name!r}; known: '
                         f'{", ".join(sorted(SCALE_RULES))} ({DOCS_HINT})')
    return SCALE_RULES[name](**args)


def check_scalable(dtype, scale: Optional['ScaleRule'], path: str) -> None:
    """Refuse non-8-bit pixels that have no scaling rule.

    Args:
        dtype: Pixel dtype of the image.
        scale (ScaleRule | None): The configured rule.
        path (str): The image, for the message.
    """
    if scale is None and np.dtype(dtype) != np.uint8:
        raise ValueError(
            f'{path} has {np.dtype(dtype).name} pixels but no pixel scaling '
            'rule is configured, and they are not cut to 8 bits silently. '
            "Add scale=dict(type='fixed', max=...) (or 'percentile', "
            "'dataset_stats', 'log', 'raw') to MultiImgLoadImageFromFile "
            f'/ ChangeInferencer, or --scale to tools/infer.py ({DOCS_HINT})')


class ScaleRule:
    """Base class: fit a per-band stretch, then apply it.

    Subclasses return from :meth:`fit` the value mapped to 0 and the value
    mapped to 255 for each plane, or None to leave values unchanged.
    """

    name = ''  # the config type, set by register_scale
    # Whether fit() looks at the pixels (else any image, even None, fits).
    needs_image = False

    def fit(self, image: np.ndarray, bands: Sequence[int]) -> Stretch:
        """Per-plane stretch of an image.

        Args:
            image (np.ndarray): ``(H, W, C)`` pixels (an overview of a
                scene is enough).
            bands (Sequence[int]): File band number of each plane.

        Returns:
            tuple | None: ``(low, high)`` arrays of ``C`` values.
        """
        raise NotImplementedError

    def transform_values(self, image: np.ndarray) -> np.ndarray:
        """Values the stretch works on (float32); identity by default."""
        return image.astype(np.float32)

    def apply(self, image: np.ndarray, stretch: Stretch) -> np.ndarray:
        """Scale an image (or a window of it) with a fitted stretch.

        Args:
            image (np.ndarray): ``(H, W, C)`` pixels.
            stretch (tuple | None): From :meth:`fit`.

        Returns:
            np.ndarray: float32, 0..255 (unchanged values for None).
        """
        values = self.transform_values(image)
        if stretch is not None:
            low, high = stretch
            span = np.maximum(high - low, np.finfo(np.float32).eps)
            values = np.clip((values - low) / span * 255., 0., 255.)
        return np.nan_to_num(values, nan=0.0).astype(np.float32, copy=False)

    def __call__(self, image: np.ndarray,
                 bands: Optional[Sequence[int]] = None) -> np.ndarray:
        """Fit on the image itself and apply.

        Args:
            image (np.ndarray): ``(H, W, C)`` pixels.
            bands (Sequence[int], optional): File band of each plane;
                defaults to 1..C.

        Returns:
            np.ndarray: float32 scaled image.
        """
        if bands is None:
            bands = range(1, image.shape[2] + 1)
        return self.apply(image, self.fit(image, list(bands)))


def _per_band(value: PerBand, bands: Sequence[int], name: str) -> np.ndarray:
    if np.ndim(value) == 0:
        return np.full(len(bands), float(value), dtype=np.float32)
    values = list(value)
    if max(bands) > len(values):
        raise ValueError(f'{name} has {len(values)} values (one per file '
                         f'band) but band {max(bands)} is used')
    return np.array([values[b - 1] for b in bands], dtype=np.float32)


@register_scale('fixed')
class FixedScale(ScaleRule):
    """``min`` .. ``max`` onto 0..255 for every image.

    Args:
        max (float | list[float]): Value shown as 255 (one per file band
            for a list), e.g. 10000 for Sentinel-2 L1C/L2A reflectance,
            2047 for 11-bit WorldView, 4095 for 12-bit.
        min (float | list[float]): Value shown as 0.
    """

    def __init__(self, max: PerBand, min: PerBand = 0.) -> None:
        self.max, self.min = max, min

    def fit(self, image: np.ndarray, bands: Sequence[int]) -> Stretch:
        return (_per_band(self.min, bands, 'min'),
                _per_band(self.max, bands, 'max'))


def _percentiles(image: np.ndarray, low: float, high: float) -> Stretch:
    planes = image.reshape(-1, image.shape[2]).astype(np.float32)
    with np.errstate(all='ignore'):
        found = np.nanpercentile(planes, [low, high], axis=0)
    found = np.nan_to_num(found, nan=0.0)
    return found[0].astype(np.float32), found[1].astype(np.float32)


@register_scale('percentile')
class PercentileScale(ScaleRule):
    """Each band's ``low`` .. ``high`` percentile of the image onto 0..255.

    Args:
        low (float): Lower percentile.
        high (float): Upper percentile.
    """

    needs_image = True

    def __init__(self, low: float = 2., high: float = 98.) -> None:
        if not 0 <= low < high <= 100:
            raise ValueError(f'percentile scaling needs 0 <= low < high <= '
                             f'100, got low={low}, high={high}')
        self.low, self.high = low, high

    def fit(self, image: np.ndarray, bands: Sequence[int]) -> Stretch:
        return _percentiles(image, self.low, self.high)


def load_stats(path: str) -> dict:
    """Read a statistics file written by ``dataset_stats.py``.

    Args:
        path (str): The JSON file.

    Returns:
        dict: ``bands`` (file band numbers), ``mean``, ``std``, ``min``,
        ``max`` (one value per listed band) and ``percentiles`` (a dict
        from the percentile, as a string, to one value per band).
    """
    try:
        with open(path) as file:
            stats = json.load(file)
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f'statistics file {path} not found: write it with python '
            'tools/analysis_tools/dataset_stats.py CONFIG --out '
            f'{path}') from err
    missing = {'bands', 'mean', 'std', 'percentiles'} - set(stats)
    if missing:
        raise ValueError(f'{path} is not a dataset statistics file (no '
                         f'{", ".join(sorted(missing))})')
    return stats


def stats_values(stats: dict, key: str, bands: Sequence[int],
                 path: str) -> np.ndarray:
    """Values of some file bands from a statistics file.

    Args:
        stats (dict): From :func:`load_stats`.
        key (str): 'mean', 'std', 'min', 'max' or a percentile ('2').
        bands (Sequence[int]): File band numbers.
        path (str): The file, for messages.

    Returns:
        np.ndarray: float32, one value per band.
    """
    table = stats['percentiles'] if key not in stats else stats[key]
    if key not in stats and key not in table:
        raise ValueError(f'{path} has no {key}th percentile; it has '
                         f'{", ".join(table)} (rerun dataset_stats.py with '
                         f'--percentiles {key})')
    if key not in stats:
        table = table[key]
    index = {b: i for i, b in enumerate(stats['bands'])}
    missing = [b for b in bands if b not in index]
    if missing:
        raise ValueError(f'{path} has statistics of bands {stats["bands"]}'
                         f' but not of bands {missing}')
    return np.array([table[index[b]] for b in bands], dtype=np.float32)


def _percent_key(value: float) -> str:
    return f'{float(value):g}'


@register_scale('dataset_stats')
class DatasetStatsScale(ScaleRule):
    """The training split's ``low`` .. ``high`` percentiles onto 0..255.

    Args:
        file (str): Statistics JSON of ``dataset_stats.py``.
        low (float): Lower percentile (must be in the file).
        high (float): Upper percentile (must be in the file).
    """

    def __init__(self, file: str, low: float = 2., high: float = 98.) -> None:
        self.file = file
        self.stats = load_stats(file)
        self.low, self.high = _percent_key(low), _percent_key(high)

    def fit(self, image: np.ndarray, bands: Sequence[int]) -> Stretch:
        return (stats_values(self.stats, self.low, bands, self.file),
                stats_values(self.stats, self.high, bands, self.file))


@register_scale('log')
class LogScale(ScaleRule):
    """SAR: ``10 * log10`` of linear backscatter, ``min_db`` .. ``max_db``.

    Args:
        min_db (float): dB shown as 0 (also for zero or negative values).
        max_db (float): dB shown as 255.
    """

    def __init__(self, min_db: float = -25., max_db: float = 5.) -> None:
        if min_db >= max_db:
            raise ValueError(f'log scaling needs min_db < max_db, got '
                             f'{min_db} and {max_db}')
        self.min_db, self.max_db = min_db, max_db

    def transform_values(self, image: np.ndarray) -> np.ndarray:
        linear = image.astype(np.float32)
        floor = np.float32(10**(self.min_db / 10))
        with np.errstate(invalid='ignore'):
            return 10. * np.log10(np.where(linear > floor, linear, floor))

    def fit(self, image: np.ndarray, bands: Sequence[int]) -> Stretch:
        count = len(bands)
        return (np.full(count, self.min_db, dtype=np.float32),
                np.full(count, self.max_db, dtype=np.float32))


@register_scale('raw')
class RawScale(ScaleRule):
    """The values as float32, unchanged (no stretch)."""

    def fit(self, image: np.ndarray, bands: Sequence[int]) -> Stretch:
        return None


def scale_from_tokens(tokens: Optional[Sequence[str]]) -> Optional[dict]:
    """A rule config from command-line words: ``TYPE [KEY=VALUE ...]``.

    Args:
        tokens (Sequence[str], optional): e.g. ``['fixed', 'max=10000']``
            or ``['dataset_stats', 'file=stats.json']``.

    Returns:
        dict | None: ``dict(type=TYPE, KEY=VALUE, ...)`` (values read as
        Python literals when they are, else as strings).
    """
    if not tokens:
        return None
    cfg = dict(type=tokens[0])
    for token in tokens[1:]:
        key, sep, value = token.partition('=')
        if not sep:
            raise ValueError(f'--scale {" ".join(tokens)}: {token!r} is not '
                             'KEY=VALUE')
        try:
            cfg[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            cfg[key] = value
    build_scale(cfg)  # fail early on unknown types and arguments
    return cfg


def display_uint8(image: np.ndarray, low: float = 2.,
                  high: float = 98.) -> np.ndarray:
    """An image as uint8 for showing it, never for a model.

    8-bit images are returned as they are; others are stretched from the
    ``low`` to the ``high`` percentile of all their bands together (one
    stretch keeps the colour balance), NaN shown as 0.

    Args:
        image (np.ndarray): Any dtype, any shape.
        low (float): Percentile shown as 0.
        high (float): Percentile shown as 255.

    Returns:
        np.ndarray: uint8 of the same shape.
    """
    if image.dtype == np.uint8:
        return image
    with np.errstate(all='ignore'):
        bottom, top = np.nan_to_num(np.nanpercentile(image, [low, high]))
    stretched = (image.astype(np.float32) - bottom) / max(top - bottom, 1e-6)
    return np.clip(np.nan_to_num(stretched * 255.), 0, 255).astype(np.uint8)
