"""ChangeInferencer: arrays and paths, single and batched, seams, errors."""
import cv2
import numpy as np
import pytest
import torch
from inference_fixtures import (inferencer, synthetic_rgb_pair,  # noqa: F401
                                tiny_model_files)

from changefine_mm.apis import ChangeInferencer, window_rows
from changefine_mm.utils import CheckpointError


def _hwc(image):
    return np.ascontiguousarray(image.transpose(1, 2, 0))


def test_single_and_batched_arrays_agree(inferencer):
    pairs = [synthetic_rgb_pair(48, 64, seed) for seed in range(4)]
    singles = [inferencer(_hwc(a), _hwc(b)) for a, b in pairs]
    batch = inferencer([_hwc(a) for a, _ in pairs],
                       [_hwc(b) for _, b in pairs])
    assert len(batch) == 4
    for one, many in zip(singles, batch):
        assert one['mask'].shape == (48, 64) and one['mask'].dtype == np.uint8
        assert one['prob'].shape == (48, 64)
        assert one['prob'].dtype == np.float32
        np.testing.assert_allclose(one['prob'], many['prob'], atol=1e-6)
        assert set(np.unique(one['mask'])) <= {0, 1}
        np.testing.assert_array_equal(one['mask'], one['prob'] > 0.5)


def test_paths_give_the_same_result_as_rgb_arrays(inferencer, tmp_path):
    image_a, image_b = synthetic_rgb_pair(40, 56)
    paths = []
    for name, image in (('a.png', image_a), ('b.png', image_b)):
        paths.append(str(tmp_path / name))
        cv2.imwrite(paths[-1], _hwc(image)[..., ::-1])  # files hold RGB
    from_files = inferencer(*paths)
    from_rgb = inferencer(_hwc(image_a), _hwc(image_b))
    from_bgr = inferencer(_hwc(image_a)[..., ::-1], _hwc(image_b)[..., ::-1],
                          channel_order='bgr')
    np.testing.assert_allclose(from_files['prob'], from_rgb['prob'])
    np.testing.assert_allclose(from_bgr['prob'], from_rgb['prob'])
    swapped = inferencer(_hwc(image_a), _hwc(image_b), channel_order='bgr')
    assert not np.allclose(swapped['prob'], from_rgb['prob'])
    batch = inferencer([paths[0], _hwc(image_a)], [paths[1], _hwc(image_b)])
    np.testing.assert_allclose(batch[0]['prob'], batch[1]['prob'])


def test_windowed_prediction_has_no_seams(inferencer):
    """A constant change region: blending leaves no window-border jumps.

    Pasting the same windows without blending shows jumps at the window
    borders (zero padding makes each window's border differ), so the scene
    does expose seams; the blended map is as smooth as a whole-image run.
    """
    size, window, overlap = 128, 48, 16
    image_a = np.full((size, size, 3), (90, 120, 80), np.uint8)
    image_b = image_a.copy()
    image_b[16:112, 16:112] = (200, 60, 50)
    blended = inferencer(image_a, image_b, window=window,
                         overlap=overlap)['prob']
    whole = inferencer(image_a, image_b)['prob']
    pasted = np.zeros_like(whole)
    for row in window_rows(size, size, window, overlap):
        for win in row:
            rows, cols = slice(win.row, win.bottom), slice(win.col, win.right)
            pasted[rows, cols] = inferencer(image_a[rows, cols],
                                            image_b[rows, cols])['prob']

    def largest_jump(prob):
        inner = prob[24:104, 24:104]  # inside the change region
        return max(np.abs(np.diff(inner, axis=0)).max(),
                   np.abs(np.diff(inner, axis=1)).max())

    assert largest_jump(pasted) > 5 * largest_jump(whole)
    assert largest_jump(blended) <= 1.5 * largest_jump(whole) + 1e-4
    assert not np.isnan(blended).any()


def test_threshold_is_used(tiny_model_files):
    image_a, image_b = synthetic_rgb_pair(32, 32)
    strict = ChangeInferencer(*tiny_model_files, device='cpu', threshold=1.0)
    result = strict(_hwc(image_a), _hwc(image_b))
    assert result['mask'].sum() == 0 and result['prob'].max() > 0
    assert strict.threshold == 1.0


def test_bad_inputs_give_clear_errors(inferencer, tmp_path):
    image_a, image_b = synthetic_rgb_pair(32, 32)
    with pytest.raises(ValueError, match='differ in size'):
        inferencer(_hwc(image_a), _hwc(image_b)[:20])
    with pytest.raises(ValueError, match='4 bands but the model takes 3'):
        inferencer(np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 4),
                                                           np.uint8))
    with pytest.raises(ValueError, match='2 date-A images but 1'):
        inferencer([_hwc(image_a)] * 2, [_hwc(image_b)])
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inferencer(str(tmp_path / 'missing.png'), _hwc(image_b))
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not a png')
    with pytest.raises(ValueError, match='broken.png'):
        inferencer(str(broken), _hwc(image_b))


def test_checkpoint_errors_name_the_file(tiny_model_files, tmp_path):
    config, _ = tiny_model_files
    wrong = tmp_path / 'wrong.pth'
    torch.save(dict(state_dict={'foo': torch.zeros(1)}), wrong)
    with pytest.raises(CheckpointError, match='wrong.pth does not fit'):
        ChangeInferencer(config, str(wrong), device='cpu')
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(b'PK\x03\x04 truncated')
    with pytest.raises(CheckpointError, match='truncated.pth'):
        ChangeInferencer(config, str(truncated), device='cpu')


def test_optional_packages_are_imported_lazily(monkeypatch):
    """The package imports without rasterio/onnx; using them says how to
    install them."""
    import subprocess
    import sys
    code = ("import sys\n"
            "for name in ('rasterio', 'pyogrio', 'onnx', 'onnxruntime'):\n"
            "    sys.modules[name] = None\n"
            "import changefine_mm.apis\n"
            "print('imported')\n")
    result = subprocess.run([sys.executable, '-c', code], capture_output=True,
                            text=True)
    assert 'imported' in result.stdout, result.stderr[-2000:]
    from changefine_mm.apis.geo import import_rasterio
    monkeypatch.setitem(sys.modules, 'rasterio', None)
    with pytest.raises(ImportError, match=r'changefine-mm\[geo\]'):
        import_rasterio()
