"""tools/infer.py: pairs, folders, GeoTIFF outputs, refusals."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from inference_fixtures import (REPO_ROOT, synthetic_rgb_pair,  # noqa: F401
                                tiny_model_files, write_geotiff)

from conftest import load_tool

rasterio = pytest.importorskip('rasterio',
                               reason='rasterio is needed for GeoTIFF tests')


TOOL = load_tool('infer.py')


def _infer(files, *args):
    return TOOL.main([*files, *map(str, args), '--window', '32',
                      '--overlap', '8', '--tile', '16', '--no-progress',
                      '--device', 'cpu'])


def test_folders_of_pngs(tiny_model_files, synthetic_cd_root, tmp_path):
    test_dir = osp.join(synthetic_cd_root, 'test')
    out = tmp_path / 'out'
    assert _infer(tiny_model_files, osp.join(test_dir, 'A'),
                  osp.join(test_dir, 'B'), '-o', out, '--overlay',
                  '--save-prob', '--polygons', tmp_path / 'polys') == 0
    names = sorted(os.listdir(osp.join(test_dir, 'A')))
    for name in names:
        stem = osp.splitext(name)[0]
        mask = cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (64, 64) and set(np.unique(mask)) <= {0, 255}
        assert cv2.imread(str(out / f'{stem}_overlay.png')).shape == (64, 64,
                                                                      3)
        with rasterio.open(out / f'{stem}_prob.tif') as prob:
            assert prob.dtypes == ('float32', )
            np.testing.assert_array_equal(prob.read(1) > 0.5, mask > 0)
        assert (tmp_path / 'polys' / f'{stem}.geojson').exists()
    # a second run refuses to replace the outputs
    with pytest.raises(FileExistsError, match='--overwrite'):
        _infer(tiny_model_files, osp.join(test_dir, 'A'),
               osp.join(test_dir, 'B'), '-o', out)
    _infer(tiny_model_files, osp.join(test_dir, 'A'), osp.join(test_dir, 'B'),
           '-o', out, '--overwrite')


def test_channels_last_gives_the_same_masks(tiny_model_files,
                                            synthetic_cd_root, tmp_path,
                                            monkeypatch):
    from changefine_mm.models import DualInputSegDataPreProcessor
    forward = DualInputSegDataPreProcessor.forward
    layouts = []

    def recording_forward(self, data, training=False):
        batch = forward(self, data, training)
        layouts.append(batch['inputs'].is_contiguous(
            memory_format=torch.channels_last))
        return batch

    monkeypatch.setattr(DualInputSegDataPreProcessor, 'forward',
                        recording_forward)
    test_dir = osp.join(synthetic_cd_root, 'test')
    outs = [tmp_path / 'plain', tmp_path / 'last']
    seen = []
    for out, layout in zip(outs, ([], ['--channels-last'])):
        assert _infer(tiny_model_files, osp.join(test_dir, 'A'),
                      osp.join(test_dir, 'B'), '-o', out, *layout) == 0
        seen.append(set(layouts))
        layouts.clear()
    assert seen == [{False}, {True}]
    names = sorted(os.listdir(outs[0]))
    assert names and names == sorted(os.listdir(outs[1]))
    for name in names:
        np.testing.assert_array_equal(
            cv2.imread(str(outs[1] / name), cv2.IMREAD_UNCHANGED),
            cv2.imread(str(outs[0] / name), cv2.IMREAD_UNCHANGED))


def test_unmatched_folder_names_are_listed(tiny_model_files, tmp_path):
    image_a, _ = synthetic_rgb_pair(16, 16)
    folders = dict(A=['x', 'y', 'only_a'], B=['x', 'y', 'only_b'])
    for folder, names in folders.items():
        os.makedirs(tmp_path / folder)
        for name in names:
            cv2.imwrite(str(tmp_path / folder / f'{name}.png'),
                        image_a.transpose(1, 2, 0))
    with pytest.raises(ValueError) as err:
        _infer(tiny_model_files, tmp_path / 'A', tmp_path / 'B', '-o',
               tmp_path / 'out')
    assert 'only_a' in str(err.value) and 'only_b' in str(err.value)
    assert 'x' not in str(err.value).split(':', 2)[-1].split(', ')
    assert not (tmp_path / 'out').exists()


def test_geotiff_pair_with_all_outputs(tiny_model_files, tmp_path):
    image_a, image_b = synthetic_rgb_pair(48, 80)
    path_a = write_geotiff(tmp_path / 'a.tif', image_a)
    path_b = write_geotiff(tmp_path / 'b.tif', image_b)
    out = tmp_path / 'out' / 'change.tif'
    _infer(tiny_model_files, path_a, path_b, '-o', out, '--save-prob',
           '--overlay', '--polygons', tmp_path / 'out' / 'change.geojson',
           '--min-area', '0.5')
    with rasterio.open(path_a) as src:
        for name in ('change.tif', 'change_prob.tif', 'change_overlay.tif'):
            with rasterio.open(tmp_path / 'out' / name) as dst:
                assert dst.crs == src.crs and dst.transform == src.transform
    assert (tmp_path / 'out' / 'change.geojson').exists()
    with pytest.raises(ValueError, match='name the output .tif'):
        _infer(tiny_model_files, path_a, path_b, '-o', tmp_path / 'x.png')


def test_bad_input_exits_with_a_message(tiny_model_files, tmp_path):
    """Run as a script, bad input ends with 'error: ...', no traceback."""
    import subprocess
    import sys
    image_a, _ = synthetic_rgb_pair(16, 16)
    path_a = write_geotiff(tmp_path / 'a.tif', image_a)
    path_b = write_geotiff(tmp_path / 'b.tif', image_a[:, :8])
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'infer.py'),
         *tiny_model_files, path_a, path_b, '-o', str(tmp_path / 'm.tif')],
        capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 1
    assert 'error: ' in result.stderr and 'size 16x16 vs 16x8' in \
        result.stderr
    assert 'Traceback' not in result.stderr
