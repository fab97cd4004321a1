"""A tiny SCD model trains, resumes and tests on SECOND-layout fixtures
(in-process mmengine runners; tools/train.py and tools/test.py run the
same config in docs/scd.md)."""
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from changefine_mm.datasets.synthetic_scd import write_scd_dataset
from changefine_mm.utils.runtime import adapt_to_machine
from conftest import REPO_ROOT

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DEMO = osp.join(REPO_ROOT, 'configs', 'scd', 'scd_upernet_r18_demo.py')


def tiny_cfg(data_root: str, work_dir: str, max_iters: int,
             config: str = DEMO) -> Config:
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = 2
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    cfg.test_evaluator = dict(type='SCDMetric', cal_sek=True,
                              per_image_csv=osp.join(work_dir, 'scd.csv'))
    cfg.log_level = 'WARNING'
    adapt_to_machine(cfg, 'none')
    return cfg


def test_train_resume_test(tmp_path):
    data_root = str(tmp_path / 'data')
    write_scd_dataset(data_root, dict(train=2, val=1, test=1), size=32,
                      seed=3)
    work_dir = str(tmp_path / 'work')
    Runner.from_cfg(tiny_cfg(data_root, work_dir, 2)).train()
    first = torch.load(osp.join(work_dir, 'iter_2.pth'), weights_only=True)
    assert 'decode_head.semantic_cd_head_aux.conv_seg.weight' in \
        first['state_dict']

    stamp = os.stat(osp.join(work_dir, 'iter_2.pth')).st_mtime_ns
    cfg = tiny_cfg(data_root, work_dir, 4)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 4
    # A run that started over would have rewritten iter_2.pth.
    assert os.stat(osp.join(work_dir, 'iter_2.pth')).st_mtime_ns == stamp
    resumed = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=True)
    assert resumed['meta']['iter'] == 4
    name = 'decode_head.binary_cd_head.conv_seg.weight'
    assert not torch.equal(first['state_dict'][name],
                           resumed['state_dict'][name])

    scores = runner.test()
    for key in ('binary/F1', 'semantic/SeK', 'semantic/mIoU_scd',
                'semantic/F_scd', 'semantic/Sek', 'semantic/SCD_Score'):
        assert 0 <= scores[key] <= 100, key
    with open(osp.join(work_dir, 'scd.csv')) as f:
        assert f.read().splitlines()[1].startswith('test_0000.png,')
