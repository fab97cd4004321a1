"""tools/analysis_tools/compare_table.py and the configs/comparison set."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import save_checkpoint

from changefine_mm.registry import MODELS
from conftest import REPO_ROOT, load_tool

COMPARISON = osp.join(REPO_ROOT, 'configs', 'comparison')
SHARED_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
               'val_evaluator', 'test_evaluator')


def test_comparison_configs_share_data_and_metric():
    paths = sorted(glob.glob(osp.join(COMPARISON, '*.py')))
    assert len(paths) >= 6
    configs = [Config.fromfile(p) for p in paths]
    first = configs[0]
    assert first.test_evaluator.type == 'ChangeMetric'
    for path, cfg in zip(paths, configs):
        for key in SHARED_KEYS:
            assert cfg[key] == first[key], f'{osp.basename(path)}: {key}'


def tiny_entry(tmp_path, data_root: str, changed_bias: float) -> tuple:
    """A 4-channel FC-Siam-diff comparison config whose classifier says
    'changed' everywhere (bias > 0) or nowhere (bias < 0)."""
    config = tmp_path / 'tiny.py'
    config.write_text(f"""
_base_ = [{osp.join(COMPARISON, 'fc_siam_diff_levircd.py')!r}]
model = dict(backbone=dict(base_channel=4),
             decode_head=dict(in_channels=4, channels=4))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, pipeline=[
        dict(type='MultiImgLoadImageFromFile'),
        dict(type='MultiImgLoadAnnotations'),
        dict(type='MultiImgPackSegInputs')]))
""")
    model = MODELS.build(Config.fromfile(str(config)).model)
    conv_seg = model.decode_head.conv_seg
    torch.nn.init.zeros_(conv_seg.weight)
    conv_seg.bias.data = torch.tensor([0., changed_bias])
    checkpoint = tmp_path / f'bias{changed_bias}.pth'
    save_checkpoint(dict(meta=dict(), state_dict=model.state_dict()),
                    str(checkpoint))
    return str(config), str(checkpoint)


def test_table_holds_the_scores_of_each_entry(synthetic_cd_root, tmp_path,
                                              capfd):
    labels = [cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in sorted(
        glob.glob(osp.join(synthetic_cd_root, 'test', 'label', '*.png')))]
    changed = 100 * np.mean(np.concatenate(labels) > 127)
    assert 0 < changed < 100
    everywhere = tiny_entry(tmp_path, synthetic_cd_root, 1.0)
    nowhere = tiny_entry(tmp_path, synthetic_cd_root, -1.0)
    out = tmp_path / 'table.md'
    table = load_tool('analysis_tools', 'compare_table.py').main([
        '--entry', 'Everywhere', *everywhere, '--entry', 'Nowhere', *nowhere,
        '--work-dir', str(tmp_path / 'work'), '--out', str(out)
    ])
    assert out.read_text() == table + '\n'
    printed = capfd.readouterr()
    # the table and one line per entry, not the runners' logs
    assert printed.out.rstrip().endswith(table)
    lines = (printed.out + printed.err).strip().splitlines()
    assert len(lines) <= 12, lines
    header, rule, *rows = table.splitlines()
    assert header.split('|')[2:7] == [
        ' Precision (%) ', ' Recall (%) ', ' F1 (%) ', ' IoU (%) ', ' OA (%) '
    ]
    assert rule.count('---') == 6
    scores = {row.split('|')[1].strip(): [float(v) for v in
                                          row.split('|')[2:7]]
              for row in rows}
    f1 = 2 * changed * 100 / (changed + 100)
    np.testing.assert_allclose(scores['Everywhere'],
                               [changed, 100, f1, changed, changed],
                               atol=0.006)
    np.testing.assert_allclose(scores['Nowhere'], [0, 0, 0, 0, 100 - changed],
                               atol=0.006)


def test_entries_need_change_metric_and_a_checkpoint(tmp_path):
    tool = load_tool('analysis_tools', 'compare_table.py')
    with pytest.raises(KeyError, match='set its test_evaluator to '
                       'ChangeMetric'):
        tool.pick_scores('BIT', {'mIoU': 80.0, 'mFscore': 90.0})
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        tool.load_entry_config(
            osp.join(COMPARISON, 'bit_r18_levircd.py'),
            str(tmp_path / 'missing.pth'), str(tmp_path), None)
