"""ONNX export of a semantic change model: change/from/to/prob outputs,
onnxruntime equal to PyTorch at the export size and at another size, and
tools/deploy/export_onnx.py."""
import numpy as np
import pytest
import scd_fixtures
import torch
from scd_fixtures import DEMO, blocky_pair

from changefine_mm.apis import ChangeInferencer, check_export, export_onnx
from conftest import load_tool

onnx = pytest.importorskip('onnx', reason='ONNX export needs onnx')
ort = pytest.importorskip('onnxruntime',
                          reason='the check needs onnxruntime')
pytestmark = pytest.mark.usefixtures('one_torch_thread')
# The shared fixtures (assigned, not imported: the test arguments that
# name them are then no redefinitions for flake8).
scd_inferencer = scd_fixtures.scd_inferencer
tiny_scd_files = scd_fixtures.tiny_scd_files


@pytest.mark.parametrize('layout', ['hwc', 'nchw'])
def test_graph_outputs_equal_pytorch(scd_inferencer, tmp_path, layout):
    path = str(tmp_path / 'scd.onnx')
    export_onnx(scd_inferencer, path, shape=(64, 64), layout=layout)
    graph = onnx.load(path).graph
    assert [o.name for o in graph.output] == ['change', 'from', 'to',
                                              'prob']
    # the export size and 103x105 (no multiple of 32: padded in the graph)
    result = check_export(path, scd_inferencer, (64, 64), dynamic=True,
                          layout=layout)
    assert result['max_prob_diff'] < 1e-4 and result['mask_mismatch'] == 0

    image_a, image_b = blocky_pair(96, 80)
    feeds = [image_a, image_b] if layout == 'hwc' else [
        i.transpose(2, 0, 1)[None] for i in (image_a, image_b)]
    session = ort.InferenceSession(path,
                                   providers=['CPUExecutionProvider'])
    change, cover_from, cover_to, prob = session.run(
        None, dict(image_a=feeds[0], image_b=feeds[1]))
    expected = scd_inferencer(image_a, image_b)
    assert change.dtype == np.uint8 and change.shape == (1, 96, 80)
    assert prob.shape == (1, 13, 96, 80)
    assert 0.05 < expected['change'].mean() < 0.95
    np.testing.assert_array_equal(change[0], expected['change'])
    np.testing.assert_array_equal(cover_from[0], expected['from'])
    np.testing.assert_array_equal(cover_to[0], expected['to'])


def test_upernet_exports_with_traceable_pooling(tmp_path):
    """The demo UPerNet (pooling pyramid) exports at free sizes; the
    model itself keeps its PyTorch pooling."""
    torch.manual_seed(0)
    inferencer = ChangeInferencer(DEMO, device='cpu')
    for head in inferencer.model.decode_head.heads().values():
        torch.nn.init.normal_(head.conv_seg.weight, std=3.0)
    path = str(tmp_path / 'upernet.onnx')
    export_onnx(inferencer, path, shape=(64, 64))
    result = check_export(path, inferencer, (64, 64), dynamic=True)
    assert result['max_prob_diff'] < 1e-4 and result['mask_mismatch'] == 0
    pools = [m for m in inferencer.model.modules()
             if isinstance(m, torch.nn.AdaptiveAvgPool2d)]
    assert len(pools) == 8  # 4 scales x (change head, semantic head)


def test_export_tool(tiny_scd_files, tmp_path):
    tool = load_tool('deploy', 'export_onnx.py')
    out = str(tmp_path / 'scd.onnx')
    assert tool.main([*tiny_scd_files, '-o', out, '--shape', '64', '64']) \
        == 0
    assert onnx.load(out).graph.output[3].name == 'prob'
