"""A 13-band FC-EF trains from scratch on OSCD-layout data, resumes and
tests (the configs/oscd config, shrunk to 32 px and 4 channels)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO_ROOT, load_tool

pytest.importorskip('rasterio')
pytestmark = pytest.mark.usefixtures('one_torch_thread')
make = load_tool('misc', 'make_real_imagery.py')
CONFIG = osp.join(REPO_ROOT, 'configs', 'oscd', 'fc_ef_128x128_20k_oscd.py')


def _config(data_root: str, work_dir: str, max_iters: int,
            resume: bool = False) -> Config:
    cfg = Config.fromfile(CONFIG)
    pipeline = cfg.train_dataloader.dataset.pipeline
    pipeline[2]['crop_size'] = (32, 32)
    loaders = dict(num_workers=0, persistent_workers=False)
    cfg.merge_from_dict(dict(
        work_dir=work_dir,
        resume=resume,
        model=dict(backbone=dict(base_channel=4),
                   decode_head=dict(in_channels=4, channels=4)),
        train_dataloader=dict(batch_size=2, dataset=dict(
            data_root=data_root, pipeline=pipeline), **loaders),
        val_dataloader=dict(dataset=dict(data_root=data_root), **loaders),
        test_dataloader=dict(dataset=dict(data_root=data_root), **loaders),
        train_cfg=dict(max_iters=max_iters, val_interval=100),
        default_hooks=dict(checkpoint=dict(interval=2, save_best=None),
                           logger=dict(interval=1)),
        param_scheduler=[dict(type='ConstantLR', factor=1.0, by_epoch=False)],
        randomness=dict(seed=0)))
    return cfg


def test_13_band_fc_ef_trains_resumes_and_tests(tmp_path):
    data_root = str(tmp_path / 'oscd')
    make.write_oscd(data_root, dict(train=['aguasclaras', 'bercy'],
                                    test=['brasilia']), size=(40, 36))
    work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(_config(data_root, work_dir, 2))
    runner.train()
    first = torch.load(osp.join(work_dir, 'iter_2.pth'), weights_only=True)
    weight = first['state_dict']['backbone.conv11.weight']
    assert weight.shape[1] == 26  # two dates of 13 bands

    resumed = Runner.from_cfg(_config(data_root, work_dir, 4, resume=True))
    resumed.train()
    assert resumed.iter == 4
    last = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=True)
    assert last['meta']['iter'] == 4
    assert not torch.equal(last['state_dict']['backbone.conv11.weight'],
                           weight)

    metrics = resumed.test()
    assert {'F1', 'IoU'} <= set(metrics)
