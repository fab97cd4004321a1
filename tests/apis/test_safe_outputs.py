"""tools/infer.py never writes a wrong or partial result: grids that do not
overlap, truncated inputs, failures while writing, nested folders."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from inference_fixtures import (synthetic_rgb_pair,  # noqa: F401
                                tiny_model_files, write_geotiff)

from changefine_mm.apis import atomic_output as atomic
from changefine_mm.apis.atomic_output import PARTIAL_MARK
from conftest import load_tool, tree_state

rasterio = pytest.importorskip('rasterio',
                               reason='rasterio is needed for GeoTIFF tests')

TOOL = load_tool('infer.py')


def _infer(files, *args):
    return TOOL.main([*files, *map(str, args), '--window', '32',
                      '--overlap', '8', '--tile', '16', '--no-progress',
                      '--device', 'cpu'])


def partial_files(root):
    return [name for name in tree_state(str(root)) if PARTIAL_MARK in name]


@pytest.mark.parametrize('crs, origin', [
    ('EPSG:32650', (600000.0, 3400000.0)),  # 100 km east of A
    ('EPSG:4326', (10.0, 50.0)),  # another CRS, another continent
])
def test_align_refuses_grids_that_do_not_overlap(tiny_model_files, tmp_path,
                                                 crs, origin):
    image_a, image_b = synthetic_rgb_pair(40, 40)
    path_a = write_geotiff(tmp_path / 'a.tif', image_a)
    path_b = write_geotiff(tmp_path / 'far.tif', image_b, crs=crs,
                           origin=origin, gsd=0.5 if crs != 'EPSG:4326'
                           else 1e-5)
    before = tree_state(str(tmp_path))
    with pytest.raises(ValueError) as err:
        _infer(tiny_model_files, path_a, path_b, '-o',
               tmp_path / 'out' / 'mask.tif', '--align')
    message = str(err.value)
    assert f'{path_a} (A) and {path_b} (B) do not overlap' in message
    assert 'A covers (500000, 3399980, 500020, 3400000)' in message
    assert 'B covers (' in message and 'same place' in message
    assert tree_state(str(tmp_path)) == before


def truncated_copy(path, target):
    data = open(path, 'rb').read()
    with open(target, 'wb') as f:
        f.write(data[:len(data) // 2])
    return str(target)


def test_truncated_geotiff_is_named_and_leaves_no_output(tiny_model_files,
                                                         tmp_path):
    image_a, image_b = synthetic_rgb_pair(70, 90)
    path_a = write_geotiff(tmp_path / 'a.tif', image_a)
    path_b = write_geotiff(tmp_path / 'b.tif', image_b)
    broken = truncated_copy(path_b, tmp_path / 'b_truncated.tif')
    out = tmp_path / 'out'
    before = tree_state(str(tmp_path))
    with pytest.raises(ValueError) as err:
        _infer(tiny_model_files, path_a, broken, '-o', out / 'mask.tif',
               '--save-prob')
    message = str(err.value)
    assert f'of {broken} (corrupt or truncated file?)' in message
    assert 'cannot read window' in message and 'gdalinfo -checksum' in message
    assert os.listdir(out) == [] and not partial_files(tmp_path)
    assert tree_state(str(tmp_path), skip=str(out)) == before
    # The rerun with the intact file needs no --overwrite.
    _infer(tiny_model_files, path_a, path_b, '-o', out / 'mask.tif',
           '--save-prob')
    assert sorted(os.listdir(out)) == ['mask.tif', 'mask_prob.tif']


def test_a_failure_while_writing_leaves_no_partial_file(tiny_model_files,
                                                        tmp_path,
                                                        monkeypatch):
    image_a, image_b = synthetic_rgb_pair(70, 90)
    path_a = write_geotiff(tmp_path / 'a.tif', image_a)
    path_b = write_geotiff(tmp_path / 'b.tif', image_b)
    out = tmp_path / 'out'
    from changefine_mm.apis import geo
    write_block = geo.GeoTiffSink.__call__
    calls = []

    def fail_on_third_block(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise OSError('disk full (simulated)')
        write_block(self, *args)
    monkeypatch.setattr(geo.GeoTiffSink, '__call__', fail_on_third_block)
    with pytest.raises(OSError, match='simulated'):
        _infer(tiny_model_files, path_a, path_b, '-o', out / 'mask.tif',
               '--save-prob')
    assert len(calls) == 3 and os.listdir(out) == []
    monkeypatch.setattr(geo.GeoTiffSink, '__call__', write_block)
    _infer(tiny_model_files, path_a, path_b, '-o', out / 'mask.tif')
    assert os.listdir(out) == ['mask.tif']


def test_atomic_output_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / 'mask.png'
    target.write_bytes(b'old')
    with pytest.raises(RuntimeError):
        with atomic.atomic_output(str(target)) as partial:
            assert partial.endswith('.png') and osp.dirname(partial) == str(
                tmp_path)
            open(partial, 'wb').write(b'half')
            raise RuntimeError('killed')
    assert target.read_bytes() == b'old' and os.listdir(tmp_path) == [
        'mask.png']
    with atomic.atomic_output(str(target)) as partial:
        open(partial, 'wb').write(b'new')
    assert target.read_bytes() == b'new'


@pytest.mark.parametrize('suffix', ['.geojson', '.gpkg'])
def test_polygon_files_are_complete_or_absent(tmp_path, monkeypatch,
                                              suffix):
    from changefine_mm.apis import polygons
    pytest.importorskip('pyogrio')
    mask = np.zeros((16, 16), np.uint8)
    mask[2:5, 2:5] = mask[9:12, 9:12] = 1
    features = polygons.iter_polygons

    def fail_after_one(*args):
        for number, feature in enumerate(features(*args)):
            if number == 1:
                raise OSError('disk full (simulated)')
            yield feature
    monkeypatch.setattr(polygons, 'iter_polygons', fail_after_one)
    out = tmp_path / f'changes{suffix}'
    with pytest.raises(OSError, match='simulated'):
        polygons.write_polygons(mask, str(out))
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(polygons, 'iter_polygons', features)
    assert polygons.write_polygons(mask, str(out)) == 2
    assert os.listdir(tmp_path) == [out.name]


def nested_pairs(root):
    """``A/s1/x.png``, ``A/s2/x.png`` (+ B): one name in two folders."""
    image_a, image_b = synthetic_rgb_pair(32, 32)
    for sub in ('s1', 's2'):
        for folder, image in (('A', image_a), ('B', image_b)):
            os.makedirs(osp.join(root, folder, sub))
            cv2.imwrite(osp.join(root, folder, sub, 'x.png'),
                        image.transpose(1, 2, 0))
    return osp.join(root, 'A'), osp.join(root, 'B')


def test_recursive_mirrors_nested_folders(tiny_model_files, tmp_path):
    dir_a, dir_b = nested_pairs(str(tmp_path / 'data'))
    out = tmp_path / 'out'
    before = tree_state(str(tmp_path))
    with pytest.raises(ValueError, match=r'only in sub-folders: pass '
                       r'--recursive'):
        _infer(tiny_model_files, dir_a, dir_b, '-o', out)
    _infer(tiny_model_files, dir_a, dir_b, '-o', out, '--recursive',
           '--overlay', '--polygons', tmp_path / 'polys')
    written = set(tree_state(str(out)))
    assert written == {osp.join(sub, name) for sub in ('s1', 's2')
                       for name in ('x.png', 'x_overlay.png')}
    assert set(tree_state(str(tmp_path / 'polys'))) == {
        osp.join('s1', 'x.geojson'), osp.join('s2', 'x.geojson')}
    for sub in ('s1', 's2'):
        mask = cv2.imread(str(out / sub / 'x.png'), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (32, 32)
    after = tree_state(str(tmp_path), skip=str(out))
    assert {k: v for k, v in after.items()
            if not k.startswith('polys')} == before


def test_every_bad_pair_is_listed_before_anything_is_written(
        tiny_model_files, tmp_path):
    dir_a, dir_b = nested_pairs(str(tmp_path / 'data'))
    for sub, size in (('s1', (24, 32)), ('s2', (32, 20))):
        cv2.imwrite(osp.join(dir_b, sub, 'x.png'),
                    np.zeros(size + (3, ), np.uint8))
    shutil.copytree(osp.join(dir_a, 's1'), osp.join(dir_a, 's3'))
    shutil.copytree(osp.join(dir_a, 's1'), osp.join(dir_b, 's3'))
    before = tree_state(str(tmp_path))
    with pytest.raises(ValueError) as err:
        _infer(tiny_model_files, dir_a, dir_b, '-o', tmp_path / 'out',
               '--recursive')
    message = str(err.value)
    assert '2 of 3 pairs cannot be used (nothing was written; fix or move ' \
        'these files)' in message
    assert f'{osp.join(dir_b, "s1", "x.png")} is 32x24' in message
    assert f'{osp.join(dir_b, "s2", "x.png")} is 20x32' in message
    assert tree_state(str(tmp_path)) == before
