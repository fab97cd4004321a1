"""Big-scene semantic change inference: GeoTIFF pairs window by window,
grid kept, tiled = whole image away from the seams, nodata, polygons with
from/to, and tools/infer.py (GeoTIFF, folders, flags)."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest
from inference_fixtures import UTM, write_geotiff
import scd_fixtures
from scd_fixtures import RECEPTIVE_RADIUS, blocky_pair, predict_scd_pair

from changefine_mm.apis.scd_files import predict_scd_files
from changefine_mm.apis.scd_geotiff import cover_paths, predict_scd_geotiff
from changefine_mm.apis.sliding import window_rows
from conftest import REPO_ROOT, load_tool

rasterio = pytest.importorskip('rasterio',
                               reason='rasterio is needed for GeoTIFF tests')
pytestmark = pytest.mark.usefixtures('one_torch_thread')

# The shared fixtures (assigned, not imported: the test arguments that
# name them are then no redefinitions for flake8).
scd_inferencer = scd_fixtures.scd_inferencer
tiny_scd_files = scd_fixtures.tiny_scd_files
WINDOW, OVERLAP, TILE = 128, 32, 32
SIZE = (224, 224)  # 2 x 2 windows of 128 overlapping by 32


@pytest.fixture
def geo_pair(tmp_path):
    image_a, image_b = blocky_pair(*SIZE)
    paths = [write_geotiff(tmp_path / name, image.transpose(2, 0, 1))
             for name, image in (('a.tif', image_a), ('b.tif', image_b))]
    return paths[0], paths[1], image_a, image_b


def _streamed(inferencer, path_a, path_b, out, **kwargs):
    options = dict(window=WINDOW, overlap=OVERLAP, tile=TILE, strip_width=96,
                   progress=False)
    options.update(kwargs)
    return predict_scd_geotiff(inferencer, path_a, path_b, str(out),
                               **options)


def _read(path):
    with rasterio.open(path) as src:
        return src.read()


def test_streamed_scene_keeps_the_grid_and_equals_in_memory_blending(
        scd_inferencer, geo_pair, tmp_path):
    path_a, path_b, image_a, image_b = geo_pair
    codes_path, prob_path = tmp_path / 'ft.tif', str(tmp_path / 'prob.tif')
    stats = _streamed(scd_inferencer, path_a, path_b, codes_path,
                      prob_path=prob_path, covers=True)
    outputs = [str(codes_path), prob_path] + list(cover_paths(
        str(codes_path)))
    with rasterio.open(path_a) as src:
        for path in outputs:
            with rasterio.open(path) as out:
                assert out.crs == src.crs and out.crs.to_string() == UTM
                assert out.transform == src.transform
                assert (out.width, out.height) == (src.width, src.height)
                assert out.block_shapes[0] == (TILE, TILE)
    with rasterio.open(codes_path) as codes:
        assert codes.dtypes == ('uint8', ) and codes.nodata == 255
        # code 1 + 2 * 7 + 5: water -> building, painted as building
        assert codes.colormap(1)[20][:3] == (128, 0, 0)
    # 2 x 2 windows in strips of 96 columns: each window column runs in
    # the two strips it touches
    assert stats.windows == 8 and stats.skipped == 0
    expected = scd_inferencer(image_a, image_b, window=WINDOW,
                              overlap=OVERLAP)
    np.testing.assert_array_equal(_read(codes_path)[0], expected['codes'])
    for path, name in zip(cover_paths(str(codes_path)), ('from', 'to')):
        np.testing.assert_array_equal(_read(path)[0], expected[name])
    probs = _read(prob_path)
    np.testing.assert_allclose(probs[0], expected['prob_change'], atol=1e-6)
    np.testing.assert_allclose(probs[1:7], expected['prob_from'], atol=1e-6)
    np.testing.assert_allclose(probs[7:], expected['prob_to'], atol=1e-6)


def _seam_free(height, width):
    """Pixels that no window sees within the receptive field of an edge
    inside the scene (the scene border is a border for the whole image
    too)."""
    inside = np.ones((height, width), bool)
    for row in window_rows(height, width, WINDOW, OVERLAP):
        for win in row:
            near = np.zeros_like(inside)
            near[win.row:win.bottom, win.col:win.right] = True
            core = np.zeros_like(inside)
            top = win.row + (RECEPTIVE_RADIUS if win.row else 0)
            left = win.col + (RECEPTIVE_RADIUS if win.col else 0)
            bottom = win.bottom - (RECEPTIVE_RADIUS
                                   if win.bottom < height else 0)
            right = win.right - (RECEPTIVE_RADIUS
                                 if win.right < width else 0)
            core[top:bottom, left:right] = True
            inside &= ~near | core
    return inside


def test_tiled_equals_whole_image_away_from_seams(scd_inferencer):
    image_a, image_b = blocky_pair(*SIZE)
    whole = scd_inferencer(image_a, image_b)
    tiled = scd_inferencer(image_a, image_b, window=WINDOW, overlap=OVERLAP)
    inside = _seam_free(*SIZE)
    assert 0.5 < inside.mean() < 1
    # the maps vary there: the comparison can fail
    assert np.unique(whole['codes'][inside]).size > 3
    assert 0.05 < whole['change'][inside].mean() < 0.95
    for name in ('prob_change', 'prob_from', 'prob_to'):
        np.testing.assert_allclose(tiled[name][..., inside],
                                   whole[name][..., inside], atol=1e-5)
    for name in ('change', 'from', 'to', 'codes'):
        np.testing.assert_array_equal(tiled[name][inside],
                                      whole[name][inside])


def test_one_window_equals_the_models_own_prediction(scd_inferencer,
                                                     geo_pair, tmp_path):
    """A window as big as the scene gives what test_step predicts."""
    path_a, path_b, image_a, image_b = geo_pair
    out = tmp_path / 'ft.tif'
    _streamed(scd_inferencer, path_a, path_b, out, window=256, covers=True)
    bgr = [np.ascontiguousarray(i[..., ::-1].transpose(2, 0, 1))
           for i in (image_a, image_b)]
    maps = predict_scd_pair(scd_inferencer.model, *bgr)
    for path, name in zip(cover_paths(str(out)), ('from', 'to')):
        np.testing.assert_array_equal(_read(path)[0], maps[name])
    codes = _read(out)[0]
    np.testing.assert_array_equal(codes > 0, maps['change'] > 0)


def test_nodata_stays_nodata(scd_inferencer, tmp_path):
    image_a, image_b = blocky_pair(*SIZE)
    image_a[:, :150] = 0  # nodata in A: the first window column
    path_a = write_geotiff(tmp_path / 'a.tif', image_a.transpose(2, 0, 1),
                           nodata=0)
    path_b = write_geotiff(tmp_path / 'b.tif', image_b.transpose(2, 0, 1),
                           nodata=0)
    out = tmp_path / 'ft.tif'
    stats = _streamed(scd_inferencer, path_a, path_b, out, covers=True)
    assert stats.skipped == 4  # 2 windows, each in 2 strips
    codes = _read(out)[0]
    assert (codes[:, :150] == 255).all() and (codes[:, 150:] != 255).all()
    for path in cover_paths(str(out)):
        assert (_read(path)[0][:, :150] == 255).all()
    polygons = str(tmp_path / 'ft.geojson')
    predict_scd_files(scd_inferencer, path_a, path_b, str(out), window=WINDOW,
                      overlap=OVERLAP, polygons=polygons, overwrite=True,
                      progress=False)
    with open(polygons) as f:
        features = json.load(f)['features']
    assert features and all(f['properties']['code'] != 255
                            for f in features)


def test_polygons_carry_from_and_to(scd_inferencer, geo_pair, tmp_path):
    path_a, path_b, _, _ = geo_pair
    out, polygons = str(tmp_path / 'ft.tif'), str(tmp_path / 'ft.geojson')
    predict_scd_files(scd_inferencer, path_a, path_b, out, window=WINDOW,
                      overlap=OVERLAP, polygons=polygons, progress=False,
                      tile=TILE)
    codes = _read(out)[0]
    classes = scd_inferencer.classes
    with open(polygons) as f:
        collection = json.load(f)
    assert collection['crs']['properties']['name'].endswith('32650')
    area = {}
    for feature in collection['features']:
        props = feature['properties']
        source, target = divmod(props['code'] - 1, len(classes))
        assert (props['from'], props['to']) == (classes[source],
                                                classes[target])
        area[props['code']] = area.get(props['code'], 0) + props['area']
    # every changed pixel (0.5 m, 0.25 m²) is in one polygon of its code
    codes_found, counts = np.unique(codes[codes > 0], return_counts=True)
    assert area == pytest.approx(dict(zip(codes_found.tolist(),
                                          (counts * 0.25).tolist())))


def test_tool_big_scene_folders_and_flags(tiny_scd_files, tmp_path):
    config, checkpoint = tiny_scd_files
    image_a, image_b = blocky_pair(*SIZE)
    # 4 bands on disk, the model's RGB chosen with --bands
    extra = np.full(SIZE + (1, ), 7, np.uint8)
    path_a = write_geotiff(tmp_path / 'a.tif', np.concatenate(
        [image_a, extra], 2).transpose(2, 0, 1))
    path_b = write_geotiff(tmp_path / 'b.tif', np.concatenate(
        [image_b, extra], 2).transpose(2, 0, 1))
    tool = load_tool('infer.py')
    out = str(tmp_path / 'out' / 'ft.tif')
    polygons = str(tmp_path / 'out' / 'ft.geojson')
    assert tool.main([config, checkpoint, path_a, path_b, '-o', out,
                      '--window', '128', '--overlap', '32', '--bands', '1',
                      '2', '3', '--save-classes', '--save-prob',
                      '--polygons', polygons, '--device', 'cpu',
                      '--no-progress']) == 0
    for path in (out, polygons, str(tmp_path / 'out' / 'ft_prob.tif')) + \
            cover_paths(out):
        assert (tmp_path / 'out' / path.split('/')[-1]).exists()
    with rasterio.open(out) as src, rasterio.open(path_a) as ref:
        assert src.transform == ref.transform and src.crs == ref.crs
    with pytest.raises(FileExistsError, match='--overwrite'):
        tool.main([config, checkpoint, path_a, path_b, '-o', out])
    with pytest.raises(ValueError, match='unknown polygon format'):
        tool.main([config, checkpoint, path_a, path_b, '-o', out,
                   '--overwrite', '--polygons', str(tmp_path / 'x.shp')])

    # folders of PNG pairs: NAME.tif (from-to GeoTIFF) per pair
    for folder in ('A', 'B'):
        (tmp_path / folder).mkdir()
    for name, seed in (('x', 0), ('y', 1)):
        pair = blocky_pair(64, 96, seed)
        for folder, image in zip(('A', 'B'), pair):
            cv2.imwrite(str(tmp_path / folder / f'{name}.png'),
                        np.ascontiguousarray(image[..., ::-1]))
    out_dir = tmp_path / 'pairs'
    assert tool.main([config, checkpoint, str(tmp_path / 'A'),
                      str(tmp_path / 'B'), '-o', str(out_dir), '--window',
                      '64', '--overlap', '16', '--polygons',
                      str(tmp_path / 'polys'), '--device', 'cpu']) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ['x.tif', 'y.tif']
    assert (tmp_path / 'polys' / 'x.geojson').exists()
    assert _read(out_dir / 'x.tif').shape == (1, 64, 96)
    with pytest.raises(ValueError, match='name the output .tif'):
        tool.main([config, checkpoint, str(tmp_path / 'A' / 'x.png'),
                   str(tmp_path / 'B' / 'x.png'), '-o',
                   str(tmp_path / 'x.png')])


def test_align_reprojects_b(scd_inferencer, tmp_path):
    image_a, image_b = blocky_pair(*SIZE)
    path_a = write_geotiff(tmp_path / 'a.tif', image_a.transpose(2, 0, 1))
    # B on a grid shifted east by 3 pixels (1.5 m)
    path_b = write_geotiff(tmp_path / 'b.tif', image_b.transpose(2, 0, 1),
                           origin=(500001.5, 3400000.0))
    with pytest.raises(ValueError, match='--align'):
        _streamed(scd_inferencer, path_a, path_b, tmp_path / 'x.tif')
    out = tmp_path / 'aligned.tif'
    _streamed(scd_inferencer, path_a, path_b, out, align=True)
    with rasterio.open(out) as src, rasterio.open(path_a) as ref:
        assert src.transform == ref.transform
        codes = src.read(1)
    # A's first 3 columns are outside B's footprint: nodata
    assert (codes[:, :3] == 255).all() and (codes[:, 3:] != 255).all()


def test_envi_pairs_give_georeferenced_outputs(tiny_scd_files, tmp_path):
    """ENVI data files (a .hdr beside them) take the scene path: the
    from-to raster is on A's grid, georeferenced from the header."""
    make = load_tool('misc', 'make_real_imagery.py')
    make.write_folder_pairs(str(tmp_path / 'in'), 'envi', count=2, size=40)
    out = tmp_path / 'out'
    assert load_tool('infer.py').main([
        *tiny_scd_files, str(tmp_path / 'in' / 'A'),
        str(tmp_path / 'in' / 'B'), '-o', str(out), '--bands', '3', '2',
        '1', '--scale', 'fixed', 'max=10000', '--window', '32',
        '--overlap', '8', '--save-classes', '--device', 'cpu']) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        'pair0.tif', 'pair0_from.tif', 'pair0_to.tif', 'pair1.tif',
        'pair1_from.tif', 'pair1_to.tif']
    with rasterio.open(out / 'pair0.tif') as codes, \
            rasterio.open(tmp_path / 'in' / 'A' / 'pair0') as src:
        assert src.crs is not None and codes.crs == src.crs
        assert codes.transform == src.transform
        assert codes.read(1).shape == (40, 40)


def test_two_processes_match_one(scd_inferencer, tiny_scd_files, geo_pair,
                                 tmp_path):
    """tools/dist_infer.sh: two CPU processes share the windows, rank 0
    writes what one process writes."""
    path_a, path_b, _, _ = geo_pair
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PORT=str(port), OMP_NUM_THREADS='1',
               PYTHON=sys.executable)
    result = subprocess.run(
        ['bash', osp.join(REPO_ROOT, 'tools', 'dist_infer.sh'),
         *tiny_scd_files, path_a, path_b, '2', '-o',
         str(tmp_path / 'dist.tif'), '--window', str(WINDOW), '--overlap',
         str(OVERLAP), '--tile', str(TILE), '--strip-width', '96',
         '--batch-size', '1', '--save-classes', '--no-progress'],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'rank 1/2: 1 pair(s), predicted' in result.stdout
    _streamed(scd_inferencer, path_a, path_b, tmp_path / 'one.tif',
              covers=True)
    for suffix in ('', '_from', '_to'):
        np.testing.assert_array_equal(
            _read(tmp_path / f'dist{suffix}.tif'),
            _read(tmp_path / f'one{suffix}.tif'))
