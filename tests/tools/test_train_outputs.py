"""tools/train.py says where the checkpoints, log and curves are."""
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from conftest import REPO_ROOT, load_tool

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'fcsn', 'fc_siam_diff_demo.py')


def tiny_config(tmp_path, synthetic_cd_root) -> str:
    """A 4-channel FC-Siam-diff on the generated data: 2 iterations."""
    config = tmp_path / 'tiny.py'
    loader = dict(num_workers=0, persistent_workers=False)
    config.write_text(f"""
_base_ = [{DEMO_CONFIG!r}]
model = dict(backbone=dict(base_channel=4),
             decode_head=dict(in_channels=4, channels=4))
train_dataloader = dict(batch_size=2, dataset=dict(
    data_root={synthetic_cd_root!r}), **{loader!r})
val_dataloader = dict(dataset=dict(data_root={synthetic_cd_root!r}),
                      **{loader!r})
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2))
""")
    return str(config)


def test_train_prints_its_outputs(tmp_path, monkeypatch, capsys,
                                  synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    work = str(tmp_path / 'work')
    monkeypatch.setattr(sys, 'argv',
                        ['train.py', config, '--work-dir', work])
    load_tool('train.py').main()
    printed = capsys.readouterr().out.splitlines()[-1]
    assert printed.startswith(f'checkpoints: {work}; log and scalars: '
                              f'{work}/')
    assert printed.endswith(f'curves: python '
                            f'tools/analysis_tools/plot_curves.py {work}')
    assert osp.isfile(osp.join(work, 'iter_2.pth'))


def test_train_with_channels_last(tmp_path, monkeypatch, synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    work = tmp_path / 'work'
    monkeypatch.setattr(sys, 'argv', ['train.py', config, '--work-dir',
                                      str(work), '--channels-last'])
    load_tool('train.py').main()
    assert (work / 'iter_2.pth').is_file()
    dumped = Config.fromfile(work / 'tiny.py')
    assert dumped.model.data_preprocessor.channels_last is True
