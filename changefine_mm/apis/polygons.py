"""Change polygons from a mask: GeoJSON (no extra package) or GeoPackage.

Polygons come from GDAL's polygonize (``rasterio.features.shapes``), run
directly on the mask GeoTIFF band so that the raster is never loaded
whole; coordinates are in the raster's CRS (pixels for images without
georeferencing). Each feature has the mask value (``class``, 1 = change
for binary models; semantic change: the attributes of a
:class:`PolygonFields`) and its ``area`` in square CRS units (m² for a
projected CRS, pixels without one). Polygons smaller than ``min_area``
are dropped. GeoPackage output uses pyogrio and shapely (``pip install
"changefine-mm[geo]"``). The areas (and so the GeoJSON path) need only
numpy: a GeoJSON file can be written where rasterio is the one geo
package installed.
"""
import json
import logging
import os
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from .atomic_output import atomic_output
from .geo import MASK_NODATA, import_rasterio

Ring = Sequence[Tuple[float, float]]
MaskSource = Union[str, np.ndarray]
FORMATS = {'.geojson': 'GeoJSON', '.json': 'GeoJSON', '.gpkg': 'GPKG'}
GPKG_BATCH = 10000


@dataclass(frozen=True)
class PolygonFields:
    """The attributes of a polygon besides its area, from its mask value.

    Attributes:
        names (tuple[str]): Attribute names, in file order.
        dtypes (tuple): numpy type of each (``object`` for text).
        values (callable): mask value -> tuple of attribute values, or
            None to leave the polygon out.
    """
    names: Tuple[str, ...]
    dtypes: Tuple[type, ...]
    values: Callable[[int], Optional[tuple]]


# Binary (and multi-class) masks: the mask value as ``class``.
CLASS_FIELDS = PolygonFields(('class', ), (np.int32, ), lambda v: (v, ))


def ring_area(ring: Ring) -> float:
    """Unsigned area of a closed ring (shoelace formula; numpy instead of
    shapely keeps GeoJSON output free of that dependency).

    Args:
        ring (sequence): ``(x, y)`` vertices, first == last.

    Returns:
        float: The area.
    """
    xy = np.asarray(ring, dtype=np.float64)
    x, y = xy[:, 0], xy[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


def polygon_area(rings: List[Ring]) -> float:
    """Area of a polygon: its exterior ring minus its holes."""
    return ring_area(rings[0]) - sum(ring_area(r) for r in rings[1:])


def iter_polygons(mask: MaskSource,
                  min_area: float = 0.0,
                  nodata: int = MASK_NODATA
                  ) -> Iterator[Tuple[dict, int, float]]:
    """Change polygons of a mask.

    Args:
        mask (str | np.ndarray): Mask GeoTIFF written by the inference, or
            an (H, W) uint8 (or uint16) mask array (pixel coordinates);
            0 = no change, ``nodata``, other values = change classes.
        min_area (float): Smallest kept area in square CRS units.
        nodata (int): Mask value left out (the mask's nodata).

    Yields:
        tuple: GeoJSON-like geometry, class value, area.
    """
    rasterio = import_rasterio()
    from rasterio.features import shapes
    if isinstance(mask, np.ndarray):
        found = shapes(mask, mask=mask > 0, connectivity=8)
        yield from _keep(found, min_area, nodata)
        return
    with rasterio.open(mask) as src:
        band = rasterio.band(src, 1)
        # A uint8 band is its own mask: 0 (no change) is left out. GDAL
        # takes only 8-bit masks, so the 0 regions of wider bands (uint16
        # from-to codes) are polygonized too and dropped by _keep.
        own_mask = band if src.dtypes[0] == 'uint8' else None
        yield from _keep(shapes(band, mask=own_mask, connectivity=8),
                         min_area, nodata)


def _keep(found, min_area: float,
          nodata: int) -> Iterator[Tuple[dict, int, float]]:
    for geometry, value in found:
        value = int(value)
        if value in (0, nodata):
            continue
        area = polygon_area(geometry['coordinates'])
        if area >= min_area:
            yield geometry, value, area


def crs_of(mask: MaskSource):
    """The CRS of a mask GeoTIFF (None for arrays and plain images)."""
    if isinstance(mask, np.ndarray):
        return None
    rasterio = import_rasterio()
    with rasterio.open(mask) as src:
        return src.crs


def polygon_format(path: str) -> str:
    """'GeoJSON' or 'GPKG' from a file suffix, or a clear error."""
    suffix = osp.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise ValueError(
            f'unknown polygon format for {path}: use one of '
            f'{", ".join(sorted(FORMATS))}')
    return FORMATS[suffix]


def write_polygons(mask: MaskSource, out_path: str,
                   min_area: float = 0.0,
                   fields: PolygonFields = CLASS_FIELDS,
                   nodata: int = MASK_NODATA) -> int:
    """Vectorise the changes of a mask.

    Args:
        mask (str | np.ndarray): Mask GeoTIFF, or mask array (pixel
            coordinates).
        out_path (str): ``.geojson``/``.json`` or ``.gpkg`` file.
        min_area (float): Smallest kept polygon area (square CRS units).
        fields (PolygonFields): Attributes of each polygon besides its
            area (default: the mask value as ``class``).
        nodata (int): Mask value that is no polygon.

    Returns:
        int: Number of polygons written.
    """
    fmt = polygon_format(out_path)
    crs = crs_of(mask)
    if crs is not None and crs.is_geographic and min_area > 0:
        print_log(f'{mask} has a geographic CRS: min_area is in '
                  'square degrees', logger='current', level=logging.WARNING)
    if osp.dirname(out_path):
        os.makedirs(osp.dirname(out_path), exist_ok=True)
    polygons = _with_fields(iter_polygons(mask, min_area, nodata), fields)
    # Complete or absent: a failure leaves no half-written file.
    with atomic_output(out_path) as partial:
        if fmt == 'GeoJSON':
            return _write_geojson(polygons, partial, crs, fields)
        return _write_gpkg(polygons, partial, crs, fields)


def _with_fields(polygons, fields: PolygonFields
                 ) -> Iterator[Tuple[dict, tuple, float]]:
    """(geometry, attribute values, area) of the polygons kept by
    ``fields``."""
    for geometry, value, area in polygons:
        values = fields.values(value)
        if values is not None:
            yield geometry, values, area


def _write_geojson(polygons, out_path: str, crs,
                   fields: PolygonFields) -> int:
    """Stream features into a GeoJSON FeatureCollection, one per line."""
    header = {'type': 'FeatureCollection'}
    if crs is not None:
        # Named CRS member (as GDAL writes) so GIS tools place the
        # polygons without reprojecting them to WGS 84.
        epsg = crs.to_epsg()
        name = f'urn:ogc:def:crs:EPSG::{epsg}' if epsg else crs.to_wkt()
        header['crs'] = {'type': 'name', 'properties': {'name': name}}
    count = 0
    with open(out_path, 'w') as f:
        f.write(json.dumps(header)[:-1] + ', "features": [\n')
        for geometry, values, area in polygons:
            properties = dict(zip(fields.names, values), area=area)
            feature = dict(type='Feature', geometry=geometry,
                           properties=properties)
            f.write((',\n' if count else '') + json.dumps(feature))
            count += 1
        f.write('\n]}\n')
    return count


def _write_gpkg(polygons, out_path: str, crs,
                fields: PolygonFields) -> int:
    """Write features to a GeoPackage in batches (pyogrio)."""
    try:
        import shapely
        from pyogrio.raw import write
        from shapely.geometry import shape
    except ImportError as err:
        raise ImportError(
            'GeoPackage output needs pyogrio and shapely: pip install '
            '"changefine-mm[geo]" (or write .geojson instead)') from err
    if osp.exists(out_path):
        os.remove(out_path)  # pyogrio would append to an old layer
    count, batch = 0, []

    def flush(append: bool) -> None:
        geometry = shapely.to_wkb([shape(g) for g, _, _ in batch])
        columns = [np.array([v[i] for _, v, _ in batch], dtype)
                   for i, dtype in enumerate(fields.dtypes)]
        write(out_path, geometry,
              field_data=columns + [
                  np.array([a for _, _, a in batch], np.float64)],
              fields=list(fields.names) + ['area'], driver='GPKG',
              layer='changes',
              geometry_type='Polygon',
              crs=None if crs is None else crs.to_wkt(), append=append)

    for feature in polygons:
        batch.append(feature)
        if len(batch) == GPKG_BATCH:
            flush(append=count > 0)
            count += len(batch)
            batch = []
    if batch or count == 0:
        flush(append=count > 0)
        count += len(batch)
    return count
