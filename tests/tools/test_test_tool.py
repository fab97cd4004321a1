"""tools/test.py --out (masks, probabilities) and --tta (flips/rotations)."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from changefine_mm.apis import build_change_model
from changefine_mm.models.change_detectors.change_tta_model import (
    FLIPS_AND_ROTATIONS, ChangeTTAModel)
from conftest import REPO_ROOT, load_tool

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'fcsn', 'fc_siam_diff_demo.py')


def tiny_config(tmp_path, data_root: str) -> str:
    """A 4-channel FC-Siam-diff on the generated data, no workers."""
    path = tmp_path / 'tiny.py'
    path.write_text(f"""
_base_ = [{DEMO_CONFIG!r}]
model = dict(backbone=dict(base_channel=4),
             decode_head=dict(in_channels=4, channels=4))
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset=dict(data_root={data_root!r},
                                    data_prefix=dict(
                                        img_path_from='test/A',
                                        img_path_to='test/B',
                                        seg_map_path='test/label')))
""")
    return str(path)


def write_checkpoint(config: str, path: str) -> str:
    """Random weights of the config's model in the Runner's layout."""
    torch.manual_seed(0)
    model = build_change_model(config)
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def run_test_tool(monkeypatch, *args: str) -> None:
    tool = load_tool('test.py')
    monkeypatch.setattr(sys, 'argv', ['test.py', *args])
    tool.main()


def test_out_writes_masks_and_probabilities(tmp_path, monkeypatch, capsys,
                                            synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    ckpt = write_checkpoint(config, str(tmp_path / 'm.pth'))
    out = tmp_path / 'pred'
    run_test_tool(monkeypatch, config, ckpt, '--out', str(out),
                  '--work-dir', str(tmp_path / 'work'))
    names = sorted(p.name for p in (out / 'masks').iterdir())
    assert len(names) == 2
    for name in names:
        mask = cv2.imread(str(out / 'masks' / name), cv2.IMREAD_UNCHANGED)
        prob = cv2.imread(str(out / 'probs' / name.replace('.png', '.tif')),
                          cv2.IMREAD_UNCHANGED)
        assert mask.shape == prob.shape == (64, 64)
        assert prob.dtype == np.float32 and 0 <= prob.min() <= 1
        assert set(np.unique(mask)) <= {0, 255}
        # a 2-class head: changed where class 1 wins the softmax
        np.testing.assert_array_equal(mask == 255, prob > 0.5)
    printed = capsys.readouterr().out
    assert f'masks: {out / "masks"}' in printed
    assert 'metrics and log: ' in printed


def _batch(config: str, data_root: str) -> dict:
    from mmengine.registry import init_default_scope

    from changefine_mm.registry import DATASETS
    init_default_scope('changefine_mm')
    cfg = Config.fromfile(config).test_dataloader.dataset
    cfg.data_root = data_root
    dataset = DATASETS.build(cfg)
    item = dataset[0]
    return dict(inputs=[item['inputs']], data_samples=[item['data_samples']])


def test_tta_model_averages_the_eight_symmetries(tmp_path,
                                                 synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    torch.manual_seed(0)
    model = build_change_model(config).eval()
    data = _batch(config, synthetic_cd_root)
    tta = ChangeTTAModel(module=model)
    merged = tta.test_step(data)[0]

    pre = model.data_preprocessor(data, False)
    inputs, metas = pre['inputs'], [pre['data_samples'][0].metainfo]
    probs = []
    with torch.no_grad():
        for flip, turns in FLIPS_AND_ROTATIONS:
            x = inputs.flip(-1) if flip else inputs
            logits = model.inference(torch.rot90(x, turns, (-2, -1)), metas)
            back = torch.rot90(logits, -turns, (-2, -1))
            probs.append((back.flip(-1) if flip else back).softmax(1))
    expected = torch.stack(probs).mean(0)[0]
    got = merged.seg_logits.data.softmax(0)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    np.testing.assert_array_equal(merged.pred_sem_seg.data[0].numpy(),
                                  expected.argmax(0).numpy())
    # one augmentation (the identity) is the plain prediction
    plain = model.test_step(data)[0]
    single = ChangeTTAModel(module=model, augmentations=[(False, 0)])
    torch.testing.assert_close(single.test_step(data)[0].seg_logits.data,
                               plain.seg_logits.data.log_softmax(0),
                               atol=1e-5, rtol=1e-4)


def test_tta_tool_run(tmp_path, monkeypatch, capsys, synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    ckpt = write_checkpoint(config, str(tmp_path / 'm.pth'))
    out = tmp_path / 'tta'
    run_test_tool(monkeypatch, config, ckpt, '--tta', '--out', str(out),
                  '--work-dir', str(tmp_path / 'work'))
    assert len(list((out / 'probs').iterdir())) == 2
    assert 'mIoU' in capsys.readouterr().out + open(
        next((tmp_path / 'work').glob('*/*.log'))).read()


def test_mixed_precision_warning_only_when_training(monkeypatch):
    from changefine_mm.utils import runtime
    if torch.cuda.is_available():
        pytest.skip('the warning is about machines without a GPU')
    for training in (False, True):
        said = []
        monkeypatch.setattr(runtime, 'print_log',
                            lambda msg, **kwargs: said.append(msg))
        cfg = Config(dict(model=dict(type='X'),
                          optim_wrapper=dict(type='AmpOptimWrapper')))
        runtime.adapt_to_machine(cfg, 'none', training=training)
        assert any('mixed precision off' in m for m in said) == training
        assert cfg.optim_wrapper.type == ('OptimWrapper' if training else
                                          'AmpOptimWrapper')


def test_tta_with_an_opencd_tta_pipeline(tmp_path, monkeypatch,
                                         synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    opencd = tmp_path / 'opencd_tta.py'
    opencd.write_text(f"""
_base_ = [{config!r}]
tta_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='MultiImgRandomFlip', prob=0., direction='horizontal'),
         dict(type='MultiImgRandomFlip', prob=1., direction='horizontal')],
        [dict(type='MultiImgLoadAnnotations')],
        [dict(type='MultiImgPackSegInputs')]])
]
""")
    ckpt = write_checkpoint(config, str(tmp_path / 'm.pth'))
    plain, tta = tmp_path / 'plain', tmp_path / 'tta'
    run_test_tool(monkeypatch, str(opencd), ckpt, '--out', str(plain),
                  '--work-dir', str(tmp_path / 'w1'))
    run_test_tool(monkeypatch, str(opencd), ckpt, '--tta', '--out',
                  str(tta), '--work-dir', str(tmp_path / 'w2'))
    # the mean of the class-1 probabilities of the pair and of its mirror
    # image (turned back)
    torch.manual_seed(0)
    model = build_change_model(config).eval()
    data = _batch(config, synthetic_cd_root)
    name = osp.splitext(osp.basename(
        data['data_samples'][0].img_path[0]))[0] + '.tif'
    probs = []
    for flip in (False, True):
        inputs = [x.flip(-1) if flip else x for x in data['inputs']]
        with torch.no_grad():
            logits = model.test_step(dict(
                inputs=inputs, data_samples=data['data_samples']))[0]
        prob = logits.seg_logits.data.softmax(0)[1]
        probs.append(prob.flip(-1) if flip else prob)
    expected = torch.stack(probs).mean(0).numpy()
    prob_plain = cv2.imread(str(plain / 'probs' / name),
                            cv2.IMREAD_UNCHANGED)
    prob_tta = cv2.imread(str(tta / 'probs' / name), cv2.IMREAD_UNCHANGED)
    np.testing.assert_allclose(prob_plain, probs[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(prob_tta, expected, atol=1e-5)
    assert not np.allclose(prob_tta, prob_plain)


def test_channels_last_gives_the_same_masks(tmp_path, monkeypatch,
                                            synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    ckpt = write_checkpoint(config, str(tmp_path / 'm.pth'))
    masks = []
    for layout in ([], ['--channels-last']):
        out = tmp_path / f'pred{len(layout)}'
        run_test_tool(monkeypatch, config, ckpt, '--out', str(out),
                      '--work-dir', str(tmp_path / f'work{len(layout)}'),
                      *layout)
        masks.append({p.name: cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
                      for p in sorted((out / 'masks').iterdir())})
    assert masks[0].keys() == masks[1].keys() and len(masks[0]) == 2
    for name, mask in masks[0].items():
        np.testing.assert_array_equal(masks[1][name], mask)
    dumped = Config.fromfile(tmp_path / 'work1' / 'tiny.py')
    assert dumped.model.data_preprocessor.channels_last is True


def test_channels_last_needs_a_data_preprocessor(tmp_path):
    from changefine_mm.utils.runtime import enable_channels_last
    path = tmp_path / 'bare.py'
    path.write_text("model = dict(type='DIEncoderDecoder')\n")
    with pytest.raises(ValueError, match='bare.py has no '
                       'model.data_preprocessor'):
        enable_channels_last(Config.fromfile(path))
