"""open-cd configs in our package, and our configs next to open-cd's.

* An open-cd config (the goldens' ``config_original.py``: LEVIR_CD_Dataset,
  CDLocalVisualizer, CDVisualizationHook, mmseg.IoUMetric, SyncBN) trains,
  validates and tests in our scope with only ``default_scope`` changed plus
  the edits any user makes (data location, run length, loader sizes).
* Our LEVIR-CD configs keep open-cd's model, crop, schedule and optimizer.
* Where open-cd is installed, ``opencd.``-prefixed types resolve to it.
"""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from changefine_mm.registry import DATASETS, MODELS
from changefine_mm.utils.runtime import adapt_to_machine
from conftest import REPO_ROOT, golden_path

OURS = {
    'bit_r18_levircd': 'bit/bit_r18_256x256_40k_levircd.py',
    'changer_ex_r18_levircd': 'changer/changer_ex_r18_512x512_40k_levircd.py',
    'fc_siam_diff_levircd': 'fcsn/fc_siam_diff_256x256_40k_levircd.py',
}
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def plain(value):
    """Config values with tuples as lists, for comparison."""
    return json.loads(json.dumps(value))


def user_edits(cfg: Config, data_root: str, work_dir: str) -> None:
    """What a user changes to run an open-cd config on a small dataset."""
    cfg.work_dir = work_dir
    cfg.model.pretrained = None  # BIT would download ImageNet weights
    for key in LOADERS:
        loader = cfg[key]
        loader.dataset.data_root = data_root
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        for step in loader.dataset.pipeline:
            if step['type'] == 'MultiImgResize':
                step['scale'] = (64, 64)  # the tiles are 64x64, not 1024
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1


@pytest.mark.parametrize('name', sorted(OURS))
def test_open_cd_config_runs_in_our_scope(name, synthetic_cd_root, tmp_path):
    cfg = Config.fromfile(golden_path('opencd', name, 'config_original.py'))
    cfg.default_scope = 'changefine_mm'
    user_edits(cfg, synthetic_cd_root, str(tmp_path))
    adapt_to_machine(cfg, 'none')
    cfg.experiment_name = f'opencd_compat_{name}'
    cfg.visualizer.name = cfg.experiment_name
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert osp.isfile(tmp_path / 'iter_2.pth')
    # CheckpointHook(save_best='mIoU') found mmseg.IoUMetric's score.
    assert glob.glob(str(tmp_path / 'best_mIoU_iter_2.pth'))
    metrics = runner.test()
    assert {'aAcc', 'mIoU', 'mFscore'} <= set(metrics)
    if not torch.cuda.is_available():
        assert not any(
            isinstance(m, torch.nn.SyncBatchNorm)
            for m in runner.model.modules())


@pytest.mark.parametrize('name', sorted(OURS))
def test_levircd_config_mirrors_open_cd(name):
    theirs = Config.fromfile(
        golden_path('opencd', name, 'config_original.py'))
    ours = Config.fromfile(osp.join(REPO_ROOT, 'configs', OURS[name]))
    assert plain(ours.model) == plain(theirs.model)
    for key in ('crop_size', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                'train_pipeline', 'test_pipeline'):
        assert plain(ours[key]) == plain(theirs[key]), key
    for key in LOADERS:
        ours_loader, theirs_loader = ours[key], theirs[key]
        assert ours_loader.batch_size == theirs_loader.batch_size
        assert plain(ours_loader.sampler) == plain(theirs_loader.sampler)
        assert plain(ours_loader.dataset.data_prefix) == plain(
            theirs_loader.dataset.data_prefix)
        # open-cd's LEVIR_CD_Dataset is the same class under our name.
        assert DATASETS.get(ours_loader.dataset.type) is DATASETS.get(
            theirs_loader.dataset.type)


def test_opencd_prefixed_types_resolve_to_open_cd():
    pytest.importorskip('opencd')
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', OURS['bit_r18_levircd']))
    cfg.model.pretrained = None
    cfg.model.decode_head.type = 'opencd.BITHead'
    model = MODELS.build(cfg.model)
    assert type(model.decode_head).__module__.startswith('opencd.')
    assert type(model).__module__.startswith('changefine_mm.')
