"""Inference on 16-bit multi-band imagery: band selection, scaling rules,
georeferenced outputs, and the error for unscaled non-8-bit input."""
import cv2
import numpy as np
import pytest
from inference_fixtures import (synthetic_rgb_pair,  # noqa: F401
                                tiny_model_files)

from changefine_mm.apis import ChangeInferencer
from conftest import load_tool

rasterio = pytest.importorskip('rasterio')
TOOL = load_tool('infer.py')
make = load_tool('misc', 'make_real_imagery.py')


@pytest.fixture(scope='module')
def s2_scene(tmp_path_factory):
    root = tmp_path_factory.mktemp('s2')
    image_a, image_b, _ = make.spectral_pair(72, 88, seed=5)
    return (make.write_raster(str(root / 'A.tif'), image_a),
            make.write_raster(str(root / 'B.tif'), image_b))


def _infer(files, *args):
    return TOOL.main([*files, *map(str, args), '--window', '32',
                      '--overlap', '8', '--tile', '16', '--no-progress',
                      '--device', 'cpu'])


@pytest.mark.parametrize('scale', [['fixed', 'max=10000'],
                                   ['percentile', 'low=2', 'high=98']])
def test_13_band_scene_on_rgb_model_with_bands_4_3_2(tiny_model_files,
                                                     s2_scene, tmp_path,
                                                     scale):
    out = tmp_path / 'change.tif'
    assert _infer(tiny_model_files, *s2_scene, '-o', out, '--bands', 4, 3, 2,
                  '--scale', *scale, '--overlay') == 0
    with rasterio.open(out) as mask, rasterio.open(s2_scene[0]) as src:
        assert (mask.width, mask.height) == (88, 72)
        assert mask.crs == src.crs and mask.transform == src.transform
        assert set(np.unique(mask.read(1))) <= {0, 1}
    with rasterio.open(tmp_path / 'change_overlay.tif') as overlay:
        assert overlay.count == 3 and overlay.dtypes[0] == 'uint8'


def test_unscaled_16_bit_scene_is_refused(tiny_model_files, s2_scene,
                                          tmp_path):
    with pytest.raises(ValueError, match=r'A\.tif has uint16 .*--scale'):
        _infer(tiny_model_files, *s2_scene, '-o', tmp_path / 'x.tif',
               '--bands', 4, 3, 2)
    with pytest.raises(ValueError, match='13 bands are read but the model '
                       'takes 3'):
        _infer(tiny_model_files, *s2_scene, '-o', tmp_path / 'y.tif',
               '--scale', 'fixed', 'max=10000')
    assert not (tmp_path / 'x.tif').exists()


def test_16_bit_pngs_scaled_like_their_8_bit_originals(tiny_model_files,
                                                       tmp_path):
    image_a, image_b = synthetic_rgb_pair(32, 32)
    paths = []
    for name, image in (('a', image_a), ('b', image_b)):
        path = str(tmp_path / f'{name}16.png')
        # 8-bit values x 257 fill the 16-bit range exactly.
        cv2.imwrite(path, image.transpose(1, 2, 0).astype(np.uint16) * 257)
        paths.append(path)
    plain = ChangeInferencer(*tiny_model_files, device='cpu')
    scaled = ChangeInferencer(*tiny_model_files, device='cpu',
                              scale=dict(type='fixed', max=65535))
    expected = plain(image_a.transpose(1, 2, 0), image_b.transpose(1, 2, 0),
                     channel_order='bgr')
    result = scaled(*paths)
    np.testing.assert_allclose(result['prob'], expected['prob'], atol=1e-5)
    with pytest.raises(ValueError, match='a16.png has uint16'):
        plain(*paths)


def test_13_band_model_exports_to_onnx_with_its_band_count(tmp_path):
    pytest.importorskip('onnxruntime')
    from mmengine.config import Config

    from changefine_mm.apis import build_change_model, export_onnx, verify_onnx
    from conftest import REPO_ROOT
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/oscd/'
                          'fc_ef_128x128_20k_oscd.py')
    cfg.merge_from_dict(dict(model=dict(
        backbone=dict(base_channel=4),
        decode_head=dict(in_channels=4, channels=4))))
    inferencer = ChangeInferencer(build_change_model(cfg).eval(),
                                  device='cpu')
    assert inferencer.in_channels == 13
    path = export_onnx(inferencer, str(tmp_path / 'fc_ef_13.onnx'),
                       shape=(32, 32))
    result = verify_onnx(path, inferencer, [(32, 32), (40, 24)])
    assert result['max_prob_diff'] < 1e-4 and result['mask_mismatch'] == 0


def test_folders_of_envi_pairs(tiny_model_files, tmp_path):
    make.write_folder_pairs(str(tmp_path / 'in'), 'envi', count=2, size=24)
    out = tmp_path / 'out'
    assert _infer(tiny_model_files, tmp_path / 'in' / 'A',
                  tmp_path / 'in' / 'B', '-o', out, '--bands', 3, 2, 1,
                  '--scale', 'fixed', 'max=10000') == 0
    for name in ('pair0', 'pair1'):  # the .hdr files are not pairs
        # ENVI pairs take the scene path: GeoTIFF masks on A's grid,
        # georeferenced from the ENVI header
        with rasterio.open(out / f'{name}.tif') as mask, \
                rasterio.open(tmp_path / 'in' / 'A' / name) as src:
            assert mask.read(1).shape == (24, 24)
            assert src.crs is not None and mask.crs == src.crs
            assert mask.transform == src.transform
    assert sorted(p.name for p in out.iterdir()) == ['pair0.tif',
                                                     'pair1.tif']
