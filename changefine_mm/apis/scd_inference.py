"""Semantic change inference: a from-to class raster with a colour table
and polygons carrying their from and to classes.

Encoding of the from-to raster (uint8 when K * K + 1 <= 255, else
uint16), K = the number of semantic classes the maps index: 0 where
nothing changed, ``1 + from * K + to`` where the pixel changed, so
``from = (code - 1) // K`` and ``to = (code - 1) % K``. The colour table
paints each code with the colour of its *to* class (unchanged black).
"""
import inspect
import os
import os.path as osp
import warnings
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.config import Config

from changefine_mm.models.change_detectors import SiamEncoderMultiDecoder
from changefine_mm.registry import DATASETS, MODELS
from .atomic_output import atomic_output
from .geo import import_rasterio
from .polygons import PolygonFields, write_polygons


def from_to_codes(change: np.ndarray, cover_from: np.ndarray,
                  cover_to: np.ndarray, num_classes: int) -> np.ndarray:
    """Encode the from-to classes of the changed pixels (module doc).

    Args:
        change (np.ndarray): (H, W) binary change.
        cover_from (np.ndarray): (H, W) classes of date A (0..K-1).
        cover_to (np.ndarray): (H, W) classes of date B.
        num_classes (int): K.

    Returns:
        np.ndarray: (H, W) uint8 or uint16 codes.
    """
    codes = 1 + cover_from.astype(np.int64) * num_classes + cover_to
    return np.where(change > 0, codes, 0).astype(code_dtype(num_classes))


def code_dtype(num_classes: int) -> type:
    """Type of the code raster of K classes (module doc).

    Args:
        num_classes (int): K.

    Returns:
        type: ``np.uint8`` up to K = 15, else ``np.uint16``.
    """
    return np.uint8 if num_classes**2 + 1 <= 255 else np.uint16


def code_nodata(dtype) -> int:
    """Nodata value of a code raster: its type's largest value, above
    every code (K * K for K classes).

    Args:
        dtype: uint8 or uint16.

    Returns:
        int: 255 or 65535.
    """
    return int(np.iinfo(dtype).max)


def code_colours(palette: Sequence[Sequence[int]]) -> Dict[int, tuple]:
    """Colour table of the codes: each code gets its *to* class colour.

    Args:
        palette (sequence): RGB colour of each class index.

    Returns:
        dict[int, tuple]: code -> (R, G, B, 255); 0 is black.
    """
    count = len(palette)
    table = {0: (0, 0, 0, 255)}
    for code in range(1, count * count + 1):
        r, g, b = palette[(code - 1) % count]
        table[code] = (int(r), int(g), int(b), 255)
    return table


def write_from_to_raster(path: str, codes: np.ndarray,
                         palette: Sequence[Sequence[int]],
                         reference: Optional[str] = None) -> None:
    """Write the code raster as a GeoTIFF with a colour table.

    Args:
        path (str): Output ``.tif``.
        codes (np.ndarray): From :func:`from_to_codes`.
        palette (sequence, optional): RGB colour of each class index
            (None: no colour table).
        reference (str, optional): Image whose georeferencing (CRS,
            transform) the output takes, e.g. date A.
    """
    colours = code_colours(palette) if palette is not None else None
    write_raster(path, codes[None], reference, colours,
                 code_nodata(codes.dtype))


def write_raster(path: str, bands: np.ndarray,
                 reference: Optional[str] = None,
                 colours: Optional[dict] = None,
                 nodata: Optional[float] = None) -> None:
    """Write a whole ``(C, H, W)`` array as a GeoTIFF.

    Args:
        path (str): Output ``.tif`` (written atomically).
        bands (np.ndarray): The bands, in their final type.
        reference (str, optional): Image whose georeferencing (CRS,
            transform) the output takes, when it has one.
        colours (dict, optional): Colour table of band 1.
        nodata (float, optional): Nodata value.
    """
    rasterio = import_rasterio()
    profile = dict(driver='GTiff', height=bands.shape[1],
                   width=bands.shape[2], count=bands.shape[0],
                   dtype=bands.dtype.name, compress='deflate', nodata=nodata)
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    with warnings.catch_warnings():
        # A plain reference (PNG) and so the output have no georeference.
        warnings.simplefilter('ignore', rasterio.errors.
                              NotGeoreferencedWarning)
        if reference is not None:
            with rasterio.open(reference) as src:
                if src.crs is not None:
                    profile.update(crs=src.crs, transform=src.transform)
        with atomic_output(path) as partial, \
                rasterio.open(partial, 'w', **profile) as dst:
            dst.write(bands)
            if colours is not None:
                dst.write_colormap(1, colours)


def from_to_fields(classes: Sequence[str]) -> PolygonFields:
    """Polygon attributes of a from-to code: ``code``, ``from``, ``to``.

    Args:
        classes (sequence[str]): Name of each class index (K names).

    Returns:
        PolygonFields: Leaves out values above K * K (nodata).
    """
    count = len(classes)

    def values(code: int) -> Optional[tuple]:
        if code > count * count:
            return None
        source, target = divmod(code - 1, count)
        return code, classes[source], classes[target]

    return PolygonFields(('code', 'from', 'to'), (np.int32, object, object),
                         values)


def write_from_to_polygons(codes, out_path: str, classes: Sequence[str],
                           min_area: float = 0.0) -> int:
    """Polygons of the from-to raster with ``code``, ``from``, ``to`` and
    ``area``, as the binary path writes its polygons
    (:func:`~changefine_mm.apis.polygons.write_polygons`: GeoJSON, or
    GeoPackage with pyogrio).

    Args:
        codes (str | np.ndarray): The from-to GeoTIFF or code array.
        out_path (str): ``.geojson`` / ``.json`` or ``.gpkg`` file.
        classes (sequence[str]): Name of each class index.
        min_area (float): Smallest kept area (square CRS units).

    Returns:
        int: Number of polygons written.
    """
    if isinstance(codes, np.ndarray) and codes.dtype != np.uint8:
        codes = codes.astype(np.int32)  # GDAL polygonize has no uint16
    nodata = code_nodata(code_dtype(len(classes)))
    return write_polygons(codes, out_path, min_area, from_to_fields(classes),
                          nodata)


def is_scd_config(config: Union[str, Config]) -> bool:
    """Whether a config's model predicts semantic change maps.

    Args:
        config (str | Config): Config file or object.

    Returns:
        bool: True for ``SiamEncoderMultiDecoder`` models and its
        subclasses (``ChangeFineSCD``).
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    model_type = cfg.model.get('type', '')
    if isinstance(model_type, str):
        if model_type.split('.')[-1] == 'SiamEncoderMultiDecoder':
            return True
        model_type = MODELS.get(model_type)
    return isinstance(model_type, type) and \
        issubclass(model_type, SiamEncoderMultiDecoder)


def semantic_map_classes(cfg: Config) -> Tuple[list, list]:
    """Names and colours of the class indices the model's maps hold.

    With ``cover_semantic`` the maps index the test dataset's
    ``semantic_classes`` (0 = unchanged); otherwise a dataset with
    ``reduce_semantic_zero_label`` predicts its classes from the second.

    Args:
        cfg (Config): The model's config (its test dataset names them).

    Returns:
        tuple: (class names, RGB palette).
    """
    dataset = cfg.test_dataloader.dataset
    dataset_cls = DATASETS.get(dataset.type)
    meta = dict(dataset_cls.METAINFO)
    meta.update(dataset.get('metainfo') or {})
    default = inspect.signature(dataset_cls.__init__).parameters[
        'reduce_semantic_zero_label'].default
    reduce = dataset.get('reduce_semantic_zero_label', default)
    classes = list(meta['semantic_classes'])
    palette = [list(c) for c in meta['semantic_palette']]
    covered = cfg.model.get('postprocess_pred_and_label') == 'cover_semantic'
    if not covered and reduce:
        return classes[1:], palette[1:]
    return classes, palette
