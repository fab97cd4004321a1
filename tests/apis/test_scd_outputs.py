"""Semantic change outputs shared with the binary path: GeoPackage polygons,
overlays on date B (pair, folder and big-scene paths), and more than 15
classes (uint16 from-to codes) end to end."""
import json
import sys

import cv2
import numpy as np
import pytest
import torch
from inference_fixtures import write_geotiff
import scd_fixtures
from scd_fixtures import TINY_SCD_CONFIG, blocky_pair, write_tiny_scd

from changefine_mm.apis import ChangeInferencer
from changefine_mm.apis.scd_files import predict_scd_files
from changefine_mm.apis.scd_geotiff import cover_paths
from changefine_mm.apis.scd_inference import (write_from_to_polygons,
                                              write_from_to_raster)
from conftest import load_tool

rasterio = pytest.importorskip('rasterio',
                               reason='rasterio is needed for GeoTIFF tests')
pytestmark = pytest.mark.usefixtures('one_torch_thread')

# The shared fixtures (assigned, not imported: the test arguments that
# name them are then no redefinitions for flake8).
scd_inferencer = scd_fixtures.scd_inferencer
tiny_scd_files = scd_fixtures.tiny_scd_files
SCENE = dict(window=64, overlap=16, tile=32, progress=False)
# 17 map values ('unchanged' + 16 classes): codes up to 1 + 16 * 17 + 16
CLASSES_17 = ['unchanged'] + [f'class {i}' for i in range(1, 17)]
PALETTE_17 = [[255, 255, 255]] + [[15 * i, 255 - 15 * i, (70 * i) % 256]
                                  for i in range(1, 17)]


def _read(path):
    with rasterio.open(path) as src:
        return src.read()


def _geo_pair(tmp_path, size=(96, 96), seed=0):
    image_a, image_b = blocky_pair(*size, seed=seed)
    paths = [write_geotiff(tmp_path / name, image.transpose(2, 0, 1))
             for name, image in (('a.tif', image_a), ('b.tif', image_b))]
    return paths[0], paths[1], image_b


def _png_folders(root, names=('x', 'y'), size=(64, 96)):
    """Folders A/ and B/ of blocky PNG pairs; returns date B images."""
    images_b = {}
    for folder in ('A', 'B'):
        (root / folder).mkdir()
    for seed, name in enumerate(names):
        pair = blocky_pair(*size, seed=seed)
        for folder, image in zip(('A', 'B'), pair):
            cv2.imwrite(str(root / folder / f'{name}.png'),
                        np.ascontiguousarray(image[..., ::-1]))
        images_b[name] = pair[1]
    return str(root / 'A'), str(root / 'B'), images_b


def read_gpkg(path):
    """(info, features) of a GeoPackage: features as dicts of the
    attributes with the shapely geometry under 'geometry'."""
    pyogrio = pytest.importorskip('pyogrio')
    import shapely
    from pyogrio.raw import read
    meta, _, geometry, columns = read(path)[:4]
    features = [dict(zip(meta['fields'], values),
                     geometry=shapely.from_wkb(wkb))
                for values, wkb in zip(zip(*columns), geometry)]
    return pyogrio.read_info(path), features


def check_polygons(features, codes, classes, transform):
    """Every feature's code, classes, area and location agree with the
    from-to raster, and every changed pixel is in a feature of its code."""
    count = len(classes)
    nodata = np.iinfo(codes.dtype).max
    pixel = abs(transform.a * transform.e)
    area = {}
    for feature in features:
        code = int(feature['code'])
        source, target = divmod(code - 1, count)
        assert (feature['from'], feature['to']) == (classes[source],
                                                    classes[target])
        point = feature['geometry'].representative_point()
        col, row = ~transform @ (point.x, point.y)
        assert codes[int(row), int(col)] == code
        assert feature['geometry'].area == pytest.approx(feature['area'])
        area[code] = area.get(code, 0) + feature['area']
    changed = codes[(codes > 0) & (codes != nodata)]
    found, counts = np.unique(changed, return_counts=True)
    assert found.size > 1
    assert area == pytest.approx(dict(zip(found.tolist(),
                                          (counts * pixel).tolist())))


def check_overlay(overlay, image_b, codes, palette):
    """Unchanged (and nodata) pixels are date B's; each changed pixel is
    blended half and half with its *to* class colour, or that colour
    (outline)."""
    count = len(palette)
    changed = (codes > 0) & (codes != np.iinfo(codes.dtype).max)
    assert changed.any() and not changed.all()
    assert overlay.shape == image_b.shape and overlay.dtype == np.uint8
    assert (overlay[~changed] == image_b[~changed]).all()
    colour = np.asarray(palette)[(codes.astype(np.int64) - 1) % count]
    blend = np.round(0.5 * image_b + 0.5 * colour)
    painted = (overlay == blend).all(-1) | (overlay == colour).all(-1)
    assert painted[changed].all()
    # outlines and fills both occur
    assert (overlay == colour).all(-1)[changed].any()
    assert (overlay != colour).any(-1)[changed].any()


def test_gpkg_polygons_of_a_geotiff_pair(scd_inferencer, tmp_path):
    path_a, path_b, _ = _geo_pair(tmp_path)
    out, gpkg = str(tmp_path / 'ft.tif'), str(tmp_path / 'ft.gpkg')
    predict_scd_files(scd_inferencer, path_a, path_b, out, polygons=gpkg,
                      **SCENE)
    with rasterio.open(out) as src, rasterio.open(path_a) as ref:
        codes, transform = src.read(1), src.transform
        assert src.crs == ref.crs
    info, features = read_gpkg(gpkg)
    assert info['crs'] == 'EPSG:32650' and info['layer_name'] == 'changes'
    assert list(info['fields']) == ['code', 'from', 'to', 'area']
    assert list(info['dtypes']) == ['int32', 'object', 'object', 'float64']
    check_polygons(features, codes, scd_inferencer.classes, transform)
    # the GeoJSON of the same raster holds the same features
    geojson = str(tmp_path / 'ft.geojson')
    write_from_to_polygons(out, geojson, scd_inferencer.classes)
    with open(geojson) as f:
        expected = sorted(tuple(feature['properties'].values())
                          for feature in json.load(f)['features'])
    assert sorted((f['code'], f['from'], f['to'], f['area'])
                  for f in features) == expected


def test_gpkg_needs_the_geo_extra(tmp_path, monkeypatch):
    codes = np.zeros((8, 8), np.uint8)
    codes[2:4, 2:4] = 9
    monkeypatch.setitem(sys.modules, 'pyogrio.raw', None)
    with pytest.raises(ImportError, match=r'changefine-mm\[geo\]'):
        write_from_to_polygons(codes, str(tmp_path / 'x.gpkg'),
                               ['unchanged', 'a', 'b'])
    assert not list(tmp_path.iterdir())  # nothing half written


def test_overlay_and_gpkg_of_the_big_scene_path(scd_inferencer, tmp_path):
    """A GeoTIFF pair window by window: the overlay is a GeoTIFF on A's
    grid, painted where the from-to raster says changed."""
    path_a, path_b, image_b = _geo_pair(tmp_path, (128, 96))
    out = str(tmp_path / 'out' / 'ft.tif')
    jobs = predict_scd_files(scd_inferencer, path_a, path_b, out,
                             overlay=True, **SCENE)
    assert jobs[0].overlay == str(tmp_path / 'out' / 'ft_overlay.tif')
    with rasterio.open(jobs[0].overlay) as src, \
            rasterio.open(path_a) as ref:
        assert (src.crs, src.transform, src.shape) == (ref.crs,
                                                       ref.transform,
                                                       ref.shape)
        overlay = src.read().transpose(1, 2, 0)
    check_overlay(overlay, image_b, _read(out)[0], scd_inferencer.palette)
    with pytest.raises(FileExistsError, match='ft_overlay.tif'):
        predict_scd_files(scd_inferencer, path_a, path_b, out, overlay=True,
                          **SCENE)


def test_tool_pair_and_folders_overlay_and_gpkg(tiny_scd_files, tmp_path):
    """tools/infer.py: --overlay and GeoPackage polygons for a PNG pair and
    for folders (--polygon-format gpkg)."""
    tool = load_tool('infer.py')
    dir_a, dir_b, images_b = _png_folders(tmp_path)
    flags = ['--window', '64', '--overlap', '16', '--device', 'cpu',
             '--overlay', '--no-progress']
    out = str(tmp_path / 'pair' / 'x.tif')
    assert tool.main([*tiny_scd_files, f'{dir_a}/x.png', f'{dir_b}/x.png',
                      '-o', out, '--polygons', str(tmp_path / 'x.gpkg'),
                      *flags]) == 0
    codes = _read(out)[0]
    overlay = cv2.imread(str(tmp_path / 'pair' / 'x_overlay.png'))
    inferencer = ChangeInferencer(*tiny_scd_files, device='cpu')
    check_overlay(overlay[..., ::-1], images_b['x'], codes,
                  inferencer.palette)
    info, features = read_gpkg(str(tmp_path / 'x.gpkg'))
    assert info['crs'] is None  # plain images: pixel coordinates
    check_polygons(features, codes, inferencer.classes,
                   rasterio.Affine.identity())

    assert tool.main([*tiny_scd_files, dir_a, dir_b, '-o',
                      str(tmp_path / 'pairs'), '--polygons',
                      str(tmp_path / 'polys'), '--polygon-format', 'gpkg',
                      *flags]) == 0
    assert sorted(p.name for p in (tmp_path / 'pairs').iterdir()) == [
        'x.tif', 'x_overlay.png', 'y.tif', 'y_overlay.png']
    assert sorted(p.name for p in (tmp_path / 'polys').iterdir()) == [
        'x.gpkg', 'y.gpkg']
    for name in ('x', 'y'):
        codes = _read(tmp_path / 'pairs' / f'{name}.tif')[0]
        overlay = cv2.imread(str(tmp_path / 'pairs' / f'{name}_overlay.png'))
        check_overlay(overlay[..., ::-1], images_b[name], codes,
                      inferencer.palette)
    # the folder's x equals the single pair's
    assert np.array_equal(_read(tmp_path / 'pairs' / 'x.tif'), _read(out))


def test_uint16_polygons_keep_code_255(tmp_path):
    """K = 16: 255 is a code (from 15 to 14), 65535 nodata; a uint16
    GeoTIFF is polygonized without loading it (GDAL masks are 8-bit)."""
    classes = [f'c{i}' for i in range(16)]
    palette = [[i, 2 * i, 3 * i] for i in range(16)]
    codes = np.zeros((16, 16), np.uint16)
    codes[1:4, 1:5] = 255
    codes[8:10, 8:13] = 1 + 15 * 16 + 15
    codes[12:16, 0:2] = 65535
    out = str(tmp_path / 'ft.tif')
    write_from_to_raster(out, codes, palette)
    with rasterio.open(out) as src:
        assert src.dtypes[0] == 'uint16' and src.nodata == 65535
        assert src.colormap(1)[256][:3] == (15, 30, 45)  # to = 15
    for source in (out, codes):
        for suffix in ('.geojson', '.gpkg'):
            polygons = str(tmp_path / f'p{suffix}')
            assert write_from_to_polygons(source, polygons, classes) == 2
            if suffix == '.gpkg':
                features = read_gpkg(polygons)[1]
            else:
                with open(polygons) as f:
                    features = [x['properties'] for x in json.load(f)[
                        'features']]
            assert sorted((int(f['code']), f['from'], f['to'], f['area'])
                          for f in features) == [(255, 'c15', 'c14', 12.0),
                                                 (256, 'c15', 'c15', 10.0)]


@pytest.fixture(scope='module')
def inferencer_17(tmp_path_factory):
    """A tiny SCD model of 16 semantic classes + 'unchanged' (17 names)."""
    config = TINY_SCD_CONFIG.replace('num_classes=6', 'num_classes=16') + (
        f'test_dataloader = dict(dataset=dict(metainfo=dict('
        f'semantic_classes={CLASSES_17!r}, '
        f'semantic_palette={PALETTE_17!r})))\n')
    config, checkpoint = write_tiny_scd(tmp_path_factory.mktemp('scd17'),
                                        config, 'scd_tiny_17')
    # The blocky pairs get head classes 9 and 11 most: moved to 15 and 14
    # (map values 16 and 15), their from-to codes need 16 bits.
    state = torch.load(checkpoint)
    order = list(range(16))
    order[9], order[15], order[11], order[14] = 15, 9, 14, 11
    # (The shared semantic head is saved under both of its names.)
    for head in ('semantic_cd_head', 'semantic_cd_head_aux'):
        for name in ('weight', 'bias'):
            key = f'decode_head.{head}.conv_seg.{name}'
            state['state_dict'][key] = state['state_dict'][key][order]
    torch.save(state, checkpoint)
    return (config, checkpoint), ChangeInferencer(config, checkpoint,
                                                  device='cpu',
                                                  batch_size=2)


def check_uint16_outputs(out, classes, palette):
    """The 17-class from-to raster is uint16 (nodata 65535, colour table
    of the to class) and decodes to the class maps of both dates."""
    with rasterio.open(out) as src:
        assert src.dtypes[0] == 'uint16' and src.nodata == 65535
        codes, colours = src.read(1), src.colormap(1)
    count = len(classes)
    changed = codes > 0
    assert codes.max() > 255  # codes that need 16 bits occur
    source, target = np.divmod(codes.astype(np.int64) - 1, count)
    cover_from, cover_to = (_read(path)[0] for path in cover_paths(out))
    # cover_semantic: the class maps are 0 where unchanged
    assert np.array_equal(np.where(changed, source, 0), cover_from)
    assert np.array_equal(np.where(changed, target, 0), cover_to)
    for code in np.unique(codes[changed])[:5]:
        assert list(colours[int(code)][:3]) == palette[(code - 1) % count]
    return codes


def test_17_classes_end_to_end(inferencer_17, tmp_path):
    """uint16 codes through the windowed GeoTIFF path and the in-memory
    pair path (tools/infer.py): raster, class maps, polygons, overlay."""
    files, inferencer = inferencer_17
    assert inferencer.classes == CLASSES_17
    path_a, path_b, image_b = _geo_pair(tmp_path, (128, 96), seed=3)
    out = str(tmp_path / 'scene' / 'ft.tif')
    gpkg = str(tmp_path / 'scene' / 'ft.gpkg')
    predict_scd_files(inferencer, path_a, path_b, out, covers=True,
                      overlay=True, polygons=gpkg, **SCENE)
    codes = check_uint16_outputs(out, CLASSES_17, PALETTE_17)
    with rasterio.open(out) as src:
        check_polygons(read_gpkg(gpkg)[1], codes, CLASSES_17, src.transform)
    check_overlay(_read(str(tmp_path / 'scene' / 'ft_overlay.tif'))
                  .transpose(1, 2, 0), image_b, codes, PALETTE_17)

    # the same pair as PNGs, predicted in memory by the tool
    for name, path in (('a.png', path_a), ('b.png', path_b)):
        cv2.imwrite(str(tmp_path / name),
                    _read(path).transpose(1, 2, 0)[..., ::-1])
    png_out = str(tmp_path / 'png' / 'ft.tif')
    geojson = str(tmp_path / 'png' / 'ft.geojson')
    assert load_tool('infer.py').main([
        *files, str(tmp_path / 'a.png'), str(tmp_path / 'b.png'), '-o',
        png_out, '--window', '64', '--overlap', '16', '--save-classes',
        '--polygons', geojson, '--device', 'cpu', '--no-progress']) == 0
    png_codes = check_uint16_outputs(png_out, CLASSES_17, PALETTE_17)
    assert np.array_equal(png_codes, codes)  # same windows, same blending
    with open(geojson) as f:
        features = [dict(f['properties'], geometry=shape(f['geometry']))
                    for f in json.load(f)['features']]
    check_polygons(features, png_codes, CLASSES_17,
                   rasterio.Affine.identity())


def test_17_classes_nodata(inferencer_17, tmp_path):
    """Pixels that are nodata in a date are 65535 in the uint16 raster
    and left out of polygons and overlay."""
    _, inferencer = inferencer_17
    image_a, image_b = blocky_pair(64, 64, seed=3)
    image_a[:, :16] = 0
    paths = [write_geotiff(tmp_path / name, image.transpose(2, 0, 1),
                           nodata=0)
             for name, image in (('a.tif', image_a), ('b.tif', image_b))]
    out = str(tmp_path / 'ft.tif')
    gpkg = str(tmp_path / 'ft.gpkg')
    predict_scd_files(inferencer, *paths, out, overlay=True, polygons=gpkg,
                      **SCENE)
    codes = _read(out)[0]
    assert (codes[:, :16] == 65535).all() and (codes[:, 16:] != 65535).all()
    with rasterio.open(out) as src:
        check_polygons(read_gpkg(gpkg)[1], codes, CLASSES_17, src.transform)
    check_overlay(_read(str(tmp_path / 'ft_overlay.tif')).transpose(1, 2, 0),
                  image_b, codes, PALETTE_17)


def shape(geometry):
    """A GeoJSON geometry as shapely."""
    from shapely.geometry import shape as to_shape
    return to_shape(geometry)
