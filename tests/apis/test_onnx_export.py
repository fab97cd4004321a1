"""ONNX export: uint8 pair in, mask out; onnxruntime equals PyTorch."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from inference_fixtures import (REPO_ROOT, inferencer,  # noqa: F401
                                tiny_model_files)

from changefine_mm.apis import (ChangeInferencer, check_export, export_onnx,
                                verify_onnx)
from changefine_mm.apis.scd_inference import is_scd_config
from conftest import load_tool

pytest.importorskip('onnx', reason='onnx is needed for the export tests')
ort = pytest.importorskip('onnxruntime',
                          reason='onnxruntime is needed to check exports')


def test_dynamic_hwc_graph_matches_pytorch_at_any_size(inferencer, tmp_path):
    path = export_onnx(inferencer, str(tmp_path / 'tiny.onnx'),
                       shape=(64, 96))
    result = check_export(path, inferencer, (64, 96), dynamic=True)
    assert result['max_prob_diff'] < 1e-4 and result['mask_mismatch'] == 0
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    assert [i.name for i in session.get_inputs()] == ['image_a', 'image_b']
    assert session.get_inputs()[0].type == 'tensor(uint8)'
    pair = [np.full((37, 53, 3), value, np.uint8) for value in (40, 200)]
    mask, prob = session.run(None, dict(image_a=pair[0], image_b=pair[1]))
    assert mask.shape == (1, 37, 53) and mask.dtype == np.uint8
    assert prob.shape == (1, 37, 53) and prob.dtype == np.float32
    expected = inferencer(*pair)
    np.testing.assert_allclose(prob[0], expected['prob'], atol=1e-4)


def test_static_nchw_graph(inferencer, tmp_path):
    path = export_onnx(inferencer, str(tmp_path / 'tiny_nchw.onnx'),
                       shape=(48, 40), dynamic=False, layout='nchw')
    check_export(path, inferencer, (48, 40), dynamic=False, layout='nchw')
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    assert session.get_inputs()[0].shape == [1, 3, 48, 40]
    with pytest.raises(Exception):  # a fixed graph refuses other sizes
        verify_onnx(path, inferencer, [(64, 64)], layout='nchw')


def test_export_tool(tiny_model_files, tmp_path, capsys):
    tool = load_tool('deploy', 'export_onnx.py')
    out = str(tmp_path / 'tool.onnx')
    assert tool.main([*tiny_model_files, '-o', out, '--shape', '32', '48',
                      '--threshold', '0.7']) == 0
    assert 'onnxruntime matches PyTorch' in capsys.readouterr().out
    assert osp.getsize(out) > 0


MODEL_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', '_base_', 'models', '*.py')))
_RESNET18_TINY = {
    'model.backbone.base_channels': 16,
    'model.backbone.stem_channels': 16
}
_SAM_TINY = dict(img_size=128, embed_dim=64, depth=4, num_heads=2,
                 global_attn_indexes=(1, 3), window_size=4, out_chans=32)
_CLIP_TINY = dict(embed_dim=64, vision_layers=2, vision_width=64,
                  vision_patch_size=16, image_size=64, context_length=32,
                  text_width=64, text_layers=2)
# Tiny variants (same code paths, few channels); a config not listed here
# runs at full size when it has at most 20M parameters.
TINY = {
    'bit_r18.py': {**_RESNET18_TINY, 'model.decode_head.in_channels': 64},
    'changer_r18.py': {
        **_RESNET18_TINY, 'model.decode_head.in_channels': [16, 32, 64, 128],
        'model.decode_head.channels': 32
    },
    'snunet_c16.py': {
        'model.backbone.base_channel': 8,
        'model.decode_head.in_channels': 32,
        'model.decode_head.channels': 32
    },
    # random SAM/CLIP of a few layers instead of the weight files
    'changefine.py': {
        'model.backbone.sam_checkpoint': None,
        'model.backbone.clip_checkpoint': None,
        'model.backbone.sam_arch': _SAM_TINY,
        'model.backbone.clip_arch': _CLIP_TINY,
        'model.backbone.sam_out_indices': (0, 1, 2, 3),
        'model.backbone.clip_input_size': 64,
        'model.backbone.fusion_heads': 2,
        'model.backbone.fusion_layers': 1,
        'model.neck.in_channels': 64,
        'model.neck.width': 32,
        'model.neck.num_heads': 2,
        'model.neck.fpn_dim': 32,
        'model.neck.out_channels': 32,
        'model.decode_head.in_channels': 32,
        'model.decode_head.channels': 32,
        'model.decode_head.text_dim': 64,
        'model.decode_head.loss_decode.contrast.embed_dim': 32,
        'model.data_preprocessor.size': (64, 64),
        'model.test_cfg.crop_size': (64, 64),
        'model.test_cfg.stride': (48, 48)
    },
}
# Randomly initialised TinyCD normalises near-constant channels (instance
# norm): float32 and float64 PyTorch already differ by 5e-4 in probability.
ATOL = {'tinycd.py': 1e-3}
TINY['changer_ex_r18.py'] = TINY['changer_r18.py']
for _name in ('fc_ef.py', 'fc_siam_conc.py', 'fc_siam_diff.py'):
    TINY[_name] = {
        'model.backbone.base_channel': 4,
        'model.decode_head.in_channels': 4,
        'model.decode_head.channels': 4
    }


def _tiny_inferencer(config, **cfg_options):
    name = osp.basename(config)
    if is_scd_config(config):
        # Three maps per pair and other graph outputs: tested by
        # tests/apis/test_scd_inferencer.py and test_scd_onnx.py.
        pytest.skip(f'{name} is a semantic change model '
                    '(tests/apis/test_scd_onnx.py)')
    torch.manual_seed(0)
    try:
        inferencer = ChangeInferencer(
            config, device='cpu',
            cfg_options={**TINY.get(name, {}), **cfg_options} or None)
    except FileNotFoundError as err:
        pytest.skip(f'{name} needs local weight files: {err}')
    except TypeError as err:
        if 'missing' not in str(err):
            raise
        # e.g. a base config that method configs complete (projects/)
        pytest.skip(f'{name} is not a whole model config: {err}')
    size = sum(p.numel() for p in inferencer.model.parameters())
    if size > 20e6:
        pytest.skip(f'{name} has {size / 1e6:.0f}M parameters and no tiny '
                    'variant in TINY: too large for a CPU unit test')
    return inferencer


@pytest.mark.parametrize('config', MODEL_CONFIGS, ids=osp.basename)
def test_every_model_infers_and_exports(config, tmp_path):
    """Every model of the package: whole and windowed inference, and an
    ONNX graph with free sizes that equals PyTorch at the export size and
    at another size."""
    inferencer = _tiny_inferencer(config)
    rng = np.random.default_rng(0)
    pair = [rng.integers(0, 256, (40, 72, 3), dtype=np.uint8)
            for _ in range(2)]
    windowed = inferencer(*pair, window=32, overlap=8)
    for result in (inferencer(*pair), windowed):
        assert result['mask'].shape == (40, 72)
        assert result['prob'].shape == (40, 72)
        assert np.isfinite(result['prob']).all()
        np.testing.assert_array_equal(
            result['mask'], result['prob'] > inferencer.threshold)
    path = str(tmp_path / 'model.onnx')
    export_onnx(inferencer, path, shape=(64, 64))
    atol = ATOL.get(osp.basename(config), 1e-4)
    result = check_export(path, inferencer, (64, 64), dynamic=True,
                          atol=atol)
    assert result['max_prob_diff'] < atol and result['mask_mismatch'] == 0


def test_official_changefine_export_is_refused(tmp_path):
    """Official mode skips the decoder per image on the coarse mask, a
    choice a trace would freeze: the export stops and names paper mode."""
    config = osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                      'changefine.py')
    inferencer = _tiny_inferencer(config, **{'model.mode': 'official'})
    with pytest.raises(RuntimeError, match='cannot be exported to ONNX.*'
                       'paper-mode'):
        export_onnx(inferencer, str(tmp_path / 'official.onnx'),
                    shape=(64, 64))
