"""Every ChangeCLIP config: published schedule, tiny build, tools/train.py."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
from changeclip_tiny import CONFIGS, TAG, tiny_clip_file, tiny_config
from mmengine.config import Config

from changefine_mm.models.utils import CLIPZeroShotClassifier
from changefine_mm.registry import MODELS
from conftest import REPO_ROOT, prompted_copy

pytestmark = pytest.mark.usefixtures('one_torch_thread')

# config: (backbone, dataset, batch size, iterations, val interval, lr), from
# the official configs/0cd_ce/changeclip_*.py at HEAD, i.e. after commit
# d91aa79 "fix poly_lr bug" (the poly decay ends at the last iteration).
PUBLISHED = {
    'changeclip_r50_256x256_30k_levircd.py':
    ('CLIPResNetWithAttention', 'LEVIRCDDataset', 20, 30000, 1000, 1e-4),
    'changeclip_r50_256x256_40k_levircd-plus.py':
    ('CLIPResNetWithAttention', 'LEVIRCDPlusDataset', 20, 40000, 1000,
     1e-4),
    'changeclip_r50_256x256_20k_whucd.py':
    ('CLIPResNetWithAttention', 'WHUCDDataset', 20, 20000, 500, 1e-4),
    'changeclip_r50_256x256_20k_sysucd.py':
    ('CLIPResNetWithAttention', 'SYSUCDDataset', 20, 20000, 500, 3e-5),
    'changeclip_r50_256x256_40k_cdd.py':
    ('CLIPResNetWithAttention', 'CDDDataset', 20, 40000, 2000, 1e-4),
    'changeclip_vit-b16_256x256_40k_levircd.py':
    ('CLIPVisionTransformer', 'LEVIRCDDataset', 12, 40000, 1000, 1e-4),
    'changeclip_vit-b16_256x256_30k_levircd-plus.py':
    ('CLIPVisionTransformer', 'LEVIRCDPlusDataset', 12, 30000, 1000, 3e-5),
    'changeclip_vit-b16_256x256_20k_whucd.py':
    ('CLIPVisionTransformer', 'WHUCDDataset', 12, 20000, 500, 3e-5),
    'changeclip_vit-b16_256x256_20k_sysucd.py':
    ('CLIPVisionTransformer', 'SYSUCDDataset', 12, 20000, 500, 3e-5),
    'changeclip_vit-b16_256x256_40k_cdd.py':
    ('CLIPVisionTransformer', 'CDDDataset', 12, 40000, 2000, 1e-4),
}


def test_every_config_is_checked():
    # The file name carries the official iteration count.
    for name, (*_, iters, _, _) in PUBLISHED.items():
        assert f'_{iters // 1000}k_' in name
    assert sorted(PUBLISHED) == sorted(
        osp.basename(p) for p in glob.glob(osp.join(CONFIGS, '*.py')))


@pytest.mark.parametrize('name', sorted(PUBLISHED))
def test_config_follows_the_published_schedule_and_builds(name):
    backbone, dataset, batch, iters, val_interval, lr = PUBLISHED[name]
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    assert cfg.custom_imports.imports == ['projects.changeclip.changeclip']
    assert cfg.model.backbone.type == backbone
    assert cfg.model.mode == 'fixed'
    assert cfg.model.backbone.clip_checkpoint == \
        cfg.model.text_encoder.clip_checkpoint
    assert cfg.train_dataloader.batch_size == batch
    assert (cfg.train_cfg.max_iters, cfg.train_cfg.val_interval) == \
        (iters, val_interval)
    assert cfg.optim_wrapper.optimizer.lr == lr
    warmup, poly = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 1500)
    assert (poly.type, poly.begin, poly.end) == ('PolyLR', 1500, iters)
    assert (poly.power, poly.eta_min) == (1.0, 0.0)
    # Checkpoints every 10k in the 20k runs, every 20k otherwise.
    assert cfg.default_hooks.checkpoint.interval == (
        10000 if iters == 20000 else 20000)
    for loader in ('train', 'val', 'test'):
        wrapper = cfg[f'{loader}_dataloader'].dataset
        assert wrapper.type == 'CLIPPromptDataset'
        assert (wrapper.json_tag, wrapper.topk) == ('56_vit16', 9)
        assert wrapper.dataset_type == dataset
    model = MODELS.build(tiny_config(name).model)
    assert model.decode_head.num_classes == 2


@pytest.fixture(scope='module')
def vit_clip_file(tmp_path_factory):
    return tiny_clip_file(tmp_path_factory)


@pytest.fixture(scope='module')
def prompt_root(synthetic_cd_root, tmp_path_factory, vit_clip_file):
    return prompted_copy(synthetic_cd_root,
                         str(tmp_path_factory.mktemp('data') / 'levir'),
                         CLIPZeroShotClassifier(clip_checkpoint=vit_clip_file),
                         TAG)


def test_tiny_levir_config_trains_and_validates_with_tools_train(
        prompt_root, tmp_path):
    cfg = tiny_config('changeclip_r50_256x256_30k_levircd.py')
    for loader in ('train', 'val', 'test'):
        cfg.merge_from_dict({
            f'{loader}_dataloader.num_workers': 0,
            f'{loader}_dataloader.persistent_workers': False,
            f'{loader}_dataloader.dataset.json_tag': TAG,
            f'{loader}_dataloader.dataset.data_root': prompt_root,
        })
    cfg.merge_from_dict({
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': 2,
        'train_cfg.val_interval': 2,
        'default_hooks.checkpoint.interval': 2,
        'default_hooks.logger.interval': 1,
    })
    config = str(tmp_path / 'tiny_levir.py')
    cfg.dump(config)
    work_dir = str(tmp_path / 'work')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir', work_dir],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    assert 'mIoU' in output and 'Iter(val)' in output
