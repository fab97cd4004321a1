"""Early errors: each one line, before the model is built, within seconds."""
import os
import os.path as osp
import subprocess
import sys
import time

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from changefine_mm.utils import preflight
from changefine_mm.utils.preflight import PreflightError
from conftest import REPO_ROOT, load_tool

DEMO = 'configs/fcsn/fc_siam_diff_demo.py'
CHANGEFINE = 'configs/changefine/changefine_levircd.py'
BIT = 'configs/bit/bit_r18_256x256_40k_levircd.py'


@pytest.fixture
def no_model_build(monkeypatch):
    """Fail the test if any tool gets as far as building a model."""

    def refuse(*args, **kwargs):
        raise AssertionError('the model was built before the check')

    monkeypatch.setattr(Runner, 'from_cfg', refuse)
    import changefine_mm.apis.inferencer as inferencer
    monkeypatch.setattr(inferencer, 'build_change_model', refuse)
    monkeypatch.chdir(REPO_ROOT)


def run_main(monkeypatch, tool: str, *args: str) -> str:
    """Run a tool's main() in-process; return its exit message."""
    module = load_tool(*tool.split('/'))
    monkeypatch.setattr(sys, 'argv', [tool, *args])
    with pytest.raises(SystemExit) as exc:
        if 'argv' in module.main.__code__.co_varnames:
            module.main(list(args))
        else:
            module.main()
    message = str(exc.value.code)
    assert '\n' not in message
    return message


def test_config_typo_names_the_closest_config(monkeypatch, no_model_build):
    message = run_main(monkeypatch, 'train.py',
                       'configs/fcsn/fc_siam_dif_demo.py')
    assert message == ('error: config file not found: '
                       'configs/fcsn/fc_siam_dif_demo.py; did you mean '
                       'configs/fcsn/fc_siam_diff_demo.py?')
    extras = {'test.py': ['x.pth'],
              'infer.py': ['x.pth', 'a', 'b', '-o', 'o'],
              'deploy/export_onnx.py': ['x.pth', '-o', 'o.onnx']}
    for tool, extra in extras.items():
        message = run_main(monkeypatch, tool, 'configs/fcsn/fc_siam.py',
                           *extra)
        assert message.startswith('error: config file not found')


def test_missing_data_root_lists_the_folders(monkeypatch, tmp_path,
                                             no_model_build):
    root = str(tmp_path / 'nowhere')
    message = run_main(monkeypatch, 'train.py', DEMO, '--work-dir',
                       str(tmp_path / 'work'), '--cfg-options',
                       f'train_dataloader.dataset.data_root={root}',
                       f'val_dataloader.dataset.data_root={root}')
    assert message == (
        f'error: data not found: {root}; prepare the dataset '
        '(docs/datasets.md) or point the config at it, e.g. --cfg-options '
        'train_dataloader.dataset.data_root=PATH')


def test_missing_split_folder(tmp_path, synthetic_cd_root):
    cfg = Config(dict(test_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2, dataset=dict(
            data_root=synthetic_cd_root,
            data_prefix=dict(img_path_from='test/A', img_path_to='tst/B',
                             seg_map_path='test/label'))))))
    with pytest.raises(PreflightError, match=r'data not found: .*tst/B;'):
        preflight.check_data(cfg, ['test_dataloader', 'val_dataloader'])
    cfg.test_dataloader.dataset.dataset.data_prefix.img_path_to = 'test/B'
    preflight.check_data(cfg, ['test_dataloader'])


def test_missing_checkpoint_names_a_close_one(monkeypatch, tmp_path,
                                              synthetic_cd_root,
                                              no_model_build):
    (tmp_path / 'iter_300.pth').write_bytes(b'')
    wrong = str(tmp_path / 'iter_3000.pth')
    data = f'test_dataloader.dataset.data_root={synthetic_cd_root}'
    message = run_main(monkeypatch, 'test.py', DEMO, wrong,
                       '--cfg-options', data)
    assert message == (f'error: checkpoint not found: {wrong}; did you '
                       f'mean {tmp_path / "iter_300.pth"}?')
    message = run_main(monkeypatch, 'infer.py', DEMO, wrong, 'a.png',
                       'b.png', '-o', str(tmp_path / 'm.png'))
    assert message.startswith(f'error: checkpoint not found: {wrong}')


def test_sam_and_clip_files_in_one_message(monkeypatch, tmp_path,
                                           no_model_build):
    (tmp_path / 'm.pth').write_bytes(b'')
    message = run_main(monkeypatch, 'deploy/export_onnx.py', CHANGEFINE,
                       str(tmp_path / 'm.pth'), '-o', 'o.onnx')
    assert message.startswith('error: weight file(s) not found: '
                              'checkpoints/sam_vit_b_01ec64.pth '
                              '(model.backbone.sam_checkpoint, download '
                              'https://dl.fbaipublicfiles.com/')
    assert ('; checkpoints/ViT-B-16.pt (model.backbone.clip_checkpoint, '
            'download https://openaipublic.azureedge.net/clip/') in message
    assert 'docs/changefine.md#weights-to-download' in message


def test_offline_pretrained_names_model_pretrained_none(
        monkeypatch, tmp_path, synthetic_cd_root, no_model_build):
    monkeypatch.setattr(preflight, 'host_reachable', lambda host: False)
    monkeypatch.setattr(preflight, '_cached', lambda url: False)
    message = run_main(
        monkeypatch, 'train.py', BIT, '--work-dir', str(tmp_path / 'work'),
        '--cfg-options',
        f'train_dataloader.dataset.data_root={synthetic_cd_root}',
        f'val_dataloader.dataset.data_root={synthetic_cd_root}')
    assert message == (
        "error: model.pretrained='open-mmlab://resnet18_v1c' must be "
        'downloaded from download.openmmlab.com, which cannot be reached '
        '(offline?); set --cfg-options model.pretrained=None (random '
        'initialisation) or a local .pth file')
    monkeypatch.setattr(preflight, '_cached', lambda url: True)
    preflight.check_downloads(Config.fromfile(
        osp.join(REPO_ROOT, BIT)).model)


def test_error_is_one_line_within_seconds_without_traceback():
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', 'configs/fcsn/fc_siam_dif_demo.py'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - start
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        'error: config file not found: configs/fcsn/fc_siam_dif_demo.py; '
        'did you mean configs/fcsn/fc_siam_diff_demo.py?']
    assert seconds < 30, f'took {seconds:.0f} s'


def test_testing_does_not_need_the_pretrained_download(
        monkeypatch, tmp_path, synthetic_cd_root, no_model_build):
    # init_weights (and so `pretrained`) runs only in training; testing
    # loads the checkpoint over a freshly built model.
    monkeypatch.setattr(preflight, 'host_reachable', lambda host: False)
    monkeypatch.setattr(preflight, '_cached', lambda url: False)
    (tmp_path / 'bit.pth').write_bytes(b'')
    tool = load_tool('test.py')
    monkeypatch.setattr(sys, 'argv', [
        'test.py', BIT, str(tmp_path / 'bit.pth'), '--cfg-options',
        f'test_dataloader.dataset.data_root={synthetic_cd_root}'])
    with pytest.raises(AssertionError, match='the model was built'):
        tool.main()


def test_project_weights_point_to_the_project_readme():
    assert preflight.weights_doc(osp.join(
        REPO_ROOT, 'projects', 'segchange_r1', 'configs', 'x.py')) == \
        'projects/segchange_r1/README.md'
    assert preflight.weights_doc('configs/changefine/x.py') == \
        preflight.WEIGHTS_DOC
    model = dict(backbone=dict(checkpoint='checkpoints/none.pth'))
    with pytest.raises(PreflightError, match=r'\(see projects/p/README.md\)'):
        preflight.check_weight_files(model, doc='projects/p/README.md')
