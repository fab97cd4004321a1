"""The ChangeFine configs: official hyper-parameters, models that build,
optimiser groups without decay on 1-D parameters, pipelines that run."""
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from changefine_mm.registry import DATASETS, MODELS
from changefine_mm.utils.runtime import adapt_to_machine

CONFIGS = osp.join(REPO_ROOT, 'configs')
CLIP_MEAN = [122.7709, 116.7460, 104.0937]
# config: (K, lr, weight decay, batch, max iters, warm-up iters, validation
# interval, contrast max_views, date swap, proj_drop)
OFFICIAL = {
    'changefine_levircd': (2, 1e-5, 0.05, 24, 44550, 0, 300, 100, True, .1),
    'changefine_levircdplus': (27, 2e-5, 0.01, 12, 85000, 17000, 500, 100,
                               False, .2),
    'changefine_whucd': (27, 2e-5, 0.01, 12, 50800, 10160, 500, 100, False,
                         .2),
    'changefine_sysucd': (27, 1e-5, 1e-4, 12, 100000, 0, 500, 50, False,
                          .1),
    'changefine_dsifn': (27, 1e-3, 1e-4, 12, 120000, 0, 500, 100, True, 0.),
}


def load(name: str) -> Config:
    return Config.fromfile(osp.join(CONFIGS, 'changefine', f'{name}.py'))


def without_weight_files(cfg: Config) -> Config:
    cfg.model.backbone.update(sam_checkpoint=None, clip_checkpoint=None)
    cfg.model.init_seed = 0
    return cfg


@pytest.mark.parametrize('name', sorted(OFFICIAL))
def test_official_hyper_parameters(name):
    k, lr, wd, batch, iters, warmup, val, views, swap, drop = OFFICIAL[name]
    cfg = load(name)
    model = cfg.model
    assert model.type == 'ChangeFine' and model.mode == 'paper'
    assert len(model.backbone.class_names) == k
    assert model.backbone.sam_checkpoint == 'checkpoints/sam_vit_b_01ec64.pth'
    assert model.backbone.clip_checkpoint == 'checkpoints/ViT-B-16.pt'
    assert model.data_preprocessor.bgr_to_rgb
    assert min(model.data_preprocessor.mean) > 1  # x255
    assert model.test_cfg == dict(mode='slide', crop_size=(256, 256),
                                  stride=(256, 256))
    assert (model.neck.drop, model.neck.attn_drop,
            model.decode_head.text_drop_path,
            model.backbone.embed_drop) == (drop, drop, drop, drop)
    # The official fusion decoders keep their fixed dropout.
    assert model.backbone.drop == 0.1
    assert model.decode_head.loss_decode.contrast.max_views == views
    wrapper = cfg.optim_wrapper
    assert wrapper.type == 'AmpOptimWrapper'
    assert wrapper.optimizer == dict(type='AdamW', lr=lr, betas=(0.9, 0.999),
                                     eps=1e-6, weight_decay=wd,
                                     fused=True)
    assert wrapper.paramwise_cfg == dict(flat_decay_mult=0.0)
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.train_cfg.max_iters == iters
    assert cfg.train_cfg.val_interval == val
    cosine = cfg.param_scheduler[-1]
    assert (cosine.type, cosine.begin, cosine.end, cosine.eta_min,
            cosine.by_epoch) == ('CosineAnnealingLR', warmup, iters, 1e-8,
                                 False)
    if warmup:
        assert cfg.param_scheduler[0].type == 'LinearLR'
        assert cfg.param_scheduler[0].end == warmup
    else:
        assert len(cfg.param_scheduler) == 1
    assert cfg.default_hooks.checkpoint.save_best == 'F1'
    steps = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert ('MultiImgExchangeTime' in steps) == swap
    photometric = cfg.train_dataloader.dataset.pipeline[
        steps.index('MultiImgPhotoMetricDistortion')]
    assert photometric.saturation_range == (0.5, 1.5)


def test_levir_entry_point_and_official_variant():
    levir = load('changefine_levircd')
    entry = Config.fromfile(osp.join(CONFIGS, 'changefine_levir.py'))
    assert entry.to_dict() == levir.to_dict()
    assert levir.model.data_preprocessor.mean == CLIP_MEAN * 2
    official = load('changefine_levircd_official')
    assert official.model.mode == 'official'
    assert official.find_unused_parameters is True
    levir.model.mode = 'official'
    official.pop('find_unused_parameters')
    assert official.to_dict() == levir.to_dict()


def test_comparison_entry_shares_the_levir_protocol():
    entry = Config.fromfile(
        osp.join(CONFIGS, 'comparison', 'changefine_levircd.py'))
    levir = load('changefine_levircd')
    assert entry.model.data_preprocessor == levir.model.data_preprocessor
    assert entry.optim_wrapper == levir.optim_wrapper
    assert entry.model.mode == 'paper'


@pytest.mark.parametrize('name', sorted(OFFICIAL))
def test_model_builds_and_1d_parameters_have_no_decay(name):
    cfg = without_weight_files(load(name))
    adapt_to_machine(cfg, 'none')  # as tools/train.py does without a GPU
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(wrapper).__name__ == ('AmpOptimWrapper'
                                      if torch.cuda.is_available() else
                                      'OptimWrapper')
    decay = {}
    for group in wrapper.optimizer.param_groups:
        for param in group['params']:
            decay[id(param)] = group['weight_decay']
    base = cfg.optim_wrapper.optimizer.weight_decay
    names = dict(model.named_parameters())
    trainable = {n for n, p in names.items() if p.requires_grad}
    assert {id(names[n]) for n in trainable} == set(decay)
    for name_, param in names.items():
        if name_ in trainable:
            expected = 0.0 if param.ndim == 1 else base
            assert decay[id(param)] == expected, name_
    # The 0-dim blend weight keeps the decay, as in the official groups.
    assert decay[id(model.decode_head.alpha)] == base
    assert decay[id(model.backbone.fusion.gamma)] == 0.0


def test_missing_weight_files_stop_the_build():
    cfg = load('changefine_levircd')
    if osp.exists(cfg.model.backbone.sam_checkpoint):
        pytest.skip('the SAM checkpoint is present in this checkout')
    with torch.device('meta'), pytest.raises(
            FileNotFoundError, match='sam_vit_b_01ec64.pth'):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('name', sorted(OFFICIAL))
def test_train_pipeline_runs(name, synthetic_cd_root):
    cfg = load(name).train_dataloader.dataset
    cfg.update(type='LEVIRCDDataset', data_root=synthetic_cd_root,
               data_prefix=dict(img_path_from='train/A',
                                img_path_to='train/B',
                                seg_map_path='train/label'))
    dataset = DATASETS.build(cfg)
    for index in range(3):
        sample = dataset[index]
        assert sample['inputs'].shape[0] == 6
        assert sample['inputs'].shape[1:] == \
            sample['data_samples'].gt_sem_seg.data.shape[1:]
        assert max(sample['inputs'].shape[1:]) <= 256


def test_tiny_demo_config_builds_without_files():
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'changefine', 'changefine_tiny_demo.py'))
    assert cfg.model.backbone.sam_checkpoint is None
    assert cfg.model.init_seed is not None
    model = MODELS.build(cfg.model)
    assert model.mode == 'paper'
    assert sum(p.numel() for p in model.parameters()
               if p.requires_grad) < 2_000_000
