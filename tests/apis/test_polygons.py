"""Change polygons: GeoJSON and GeoPackage round trips, min-area filter."""
import json

import numpy as np
import pytest
from inference_fixtures import write_geotiff

from changefine_mm.apis.polygons import polygon_area, write_polygons

rasterio = pytest.importorskip('rasterio',
                               reason='rasterio is needed for polygons')
GSD = 0.5


def _mask():
    """Two changes (one with a hole), a 2x2-pixel speck and nodata."""
    mask = np.zeros((40, 50), np.uint8)
    mask[5:20, 5:25] = 1
    mask[10:14, 10:14] = 0  # hole
    mask[30:32, 40:42] = 1  # 4 pixels = 1 m²
    mask[25:35, 5:15] = 1
    mask[0:3, 45:50] = 255  # nodata: never a polygon
    return mask


def _rasterize(features, transform, shape):
    from rasterio.features import rasterize
    shapes = [(f['geometry'], f['properties']['class']) for f in features]
    return rasterize(shapes, out_shape=shape, transform=transform,
                     dtype='uint8')


@pytest.mark.parametrize('suffix', ['.geojson', '.gpkg'])
def test_polygons_round_trip(tmp_path, suffix):
    if suffix == '.gpkg':
        pytest.importorskip('pyogrio', reason='pyogrio writes GeoPackage')
    mask = _mask()
    mask_path = write_geotiff(tmp_path / 'mask.tif', mask[None], gsd=GSD,
                              nodata=255)
    out = str(tmp_path / f'changes{suffix}')
    count = write_polygons(mask_path, out, min_area=1.5)
    features = _read(out, tmp_path)
    assert count == len(features) == 2  # the 1 m² speck is dropped
    with rasterio.open(mask_path) as src:
        transform, crs = src.transform, src.crs
    back = _rasterize(features, transform, mask.shape)
    expected = (mask == 1).astype(np.uint8)
    expected[30:32, 40:42] = 0
    np.testing.assert_array_equal(back, expected)
    areas = sorted(f['properties']['area'] for f in features)
    np.testing.assert_allclose(areas, [100 * GSD**2, (15 * 20 - 16) * GSD**2])
    assert _crs(out, tmp_path) == crs


def _read(path, tmp_path):
    if path.endswith('.gpkg'):
        # GDAL itself reads the GeoPackage back and writes it as GeoJSON
        from pyogrio.raw import read, write
        meta, _, geometry, fields = read(path)
        as_json = str(tmp_path / 'from_gpkg.geojson')
        write(as_json, geometry, fields, fields=meta['fields'],
              crs=meta['crs'], geometry_type='Polygon', driver='GeoJSON')
        path = as_json
    with open(path) as f:
        return json.load(f)['features']


def _crs(path, tmp_path):
    from rasterio.crs import CRS
    if path.endswith('.gpkg'):
        from pyogrio import read_info
        return CRS.from_user_input(read_info(path)['crs'])
    with open(path) as f:
        return CRS.from_user_input(json.load(f)['crs']['properties']['name'])


def test_array_masks_give_pixel_polygons(tmp_path):
    out = str(tmp_path / 'changes.geojson')
    assert write_polygons(_mask(), out) == 3
    with open(out) as f:
        collection = json.load(f)
    assert 'crs' not in collection
    assert sorted(f['properties']['area'] for f in collection['features']) \
        == [4, 100, 284]


def test_empty_mask_and_unknown_format(tmp_path):
    empty = np.zeros((8, 8), np.uint8)
    assert write_polygons(empty, str(tmp_path / 'none.geojson')) == 0
    with open(tmp_path / 'none.geojson') as f:
        assert json.load(f)['features'] == []
    pytest.importorskip('pyogrio', reason='pyogrio writes GeoPackage')
    assert write_polygons(empty, str(tmp_path / 'none.gpkg')) == 0
    with pytest.raises(ValueError, match='unknown polygon format.*shp'):
        write_polygons(empty, str(tmp_path / 'changes.shp'))


def test_polygon_area_subtracts_holes():
    square = [(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
    hole = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]
    assert polygon_area([square, hole]) == 15
