"""Our configs of open-cd's model families on datasets other than LEVIR-CD
(docs/baselines.md, "Configs").

Every config's training and validation datasets read a tiny pair written
in the config's own layout (folders and suffixes) through the config's
pipelines, and its model computes finite training losses on the packed
training samples (once per distinct model config: the families' models do
not change with the dataset). The configs that follow open-cd's have
open-cd's model, schedule and optimizer.
"""
import os
import os.path as osp
from typing import Set

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from changefine_mm.registry import DATASETS, MODELS
from conftest import REPO_ROOT
from opencd_reference import reference_config
from test_opencd_family_configs import normalised

pytestmark = pytest.mark.usefixtures('one_torch_thread')

# family folder -> config stem of the family's LEVIR-CD recipe
FAMILIES = {
    'cgnet': 'cgnet_256x256',
    'tinycd': 'tinycd_256x256',
    'tinycd_v2': 'tinycd_v2_b_256x256',
    'stanet': 'stanet_pam_256x256',
    'ifn': 'ifn_256x256',
    'hanet': 'hanet_256x256',
    'lightcdnet': 'lightcdnet_s_256x256',
    'changestar': 'changestar_farseg_1x96_256x256',
}
DATASET_SUFFIXES = ('40k_whucd', '40k_sysucd', '40k_cdd', '40k_dsifn',
                    '40k_levircdplus', '80k_s2looking')
# open-cd's own S2Looking configs of these families
OPENCD_S2LOOKING = [
    'changer/changer_ex_mit-b0_512x512_80k_s2looking.py',
    'changer/changer_ex_s50_512x512_80k_s2looking.py',
    'changer/changer_ex_s101_512x512_80k_s2looking.py',
]
# open-cd's BAN configs beyond LEVIR-CD -> the BAN reference of its model
BAN = {
    'ban/ban_vit-b16-clip_mit-b0_512x512_80k_s2looking.py': 'ban/mit_b0',
    'ban/ban_vit-b16-clip_bit_512x512_80k_s2looking.py': 'ban/bit_r18',
    'ban/ban_vit-b16-clip_mit-b0_256x256_100e_whucd.py': 'ban/mit_b0',
}
CONFIGS = [
    f'{folder}/{stem}_{suffix}.py' for folder, stem in FAMILIES.items()
    for suffix in DATASET_SUFFIXES
] + OPENCD_S2LOOKING + sorted(BAN)
SIZE = 64
_TRAINED: Set[str] = set()


def config(name: str) -> Config:
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', name))


def write_pairs(dataset, count: int = 2) -> None:
    """Write ``count`` random pairs where ``dataset`` will look for them
    (``.png`` where the dataset accepts any suffix)."""
    rng = np.random.default_rng(0)
    prefix = dataset.data_prefix
    img_suffix = dataset.img_suffix or '.png'
    seg_map_suffix = dataset.seg_map_suffix or img_suffix
    for i in range(count):
        for key in ('img_path_from', 'img_path_to'):
            os.makedirs(prefix[key], exist_ok=True)
            cv2.imwrite(
                osp.join(prefix[key], f'p{i}{img_suffix}'),
                rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8))
        os.makedirs(prefix['seg_map_path'], exist_ok=True)
        label = np.zeros((SIZE, SIZE), np.uint8)
        label[8:30, 12:40] = 255
        cv2.imwrite(
            osp.join(prefix['seg_map_path'], f'p{i}{seg_map_suffix}'), label)


def build_dataset(dataset_cfg, root: str):
    # Not serialised: mmengine's gc.collect() there costs ~1 s a dataset.
    dataset = DATASETS.build(dict(dataset_cfg, data_root=root,
                                  lazy_init=True, serialize_data=False))
    write_pairs(dataset)
    dataset.full_init()
    assert len(dataset) == 2
    return dataset


def check_losses(cfg: Config, batch: dict) -> None:
    """The model of ``cfg`` gives finite positive training losses."""
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(batch, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    total = sum(v.sum() for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total) and total > 0


def test_every_family_dataset_config_exists():
    missing = [name for name in CONFIGS
               if not osp.isfile(osp.join(REPO_ROOT, 'configs', name))]
    assert not missing


@pytest.mark.parametrize('name', CONFIGS)
def test_config_reads_its_dataset_and_trains(name, tmp_path):
    cfg = config(name)
    root = str(tmp_path)
    val = build_dataset(cfg.val_dataloader.dataset, osp.join(root, 'v'))
    sample = val[0]
    assert sample['inputs'].shape[0] == 6
    assert set(sample['data_samples'].gt_sem_seg.data.unique().tolist()) \
        == {0, 1}
    train = build_dataset(cfg.train_dataloader.dataset, osp.join(root, 't'))
    batch = pseudo_collate([train[0], train[1]])
    assert batch['inputs'][0].shape == (6, SIZE, SIZE)
    # The training losses do not depend on the test mode.
    model_key = repr({k: v for k, v in cfg.model.to_dict().items()
                      if k != 'test_cfg'})
    if model_key not in _TRAINED:
        check_losses(cfg, batch)
        _TRAINED.add(model_key)


@pytest.mark.parametrize('name', OPENCD_S2LOOKING[:2])
def test_s2looking_changer_keeps_the_levir_recipe(name):
    """As in open-cd: the LEVIR-CD model and training pipeline, 80k
    iterations; MiT-B0 keeps its AdamW, S50 takes the standard one."""
    ours = config(name)
    levir = config(name.replace('80k_s2looking', '40k_levircd'))
    assert ours.model == levir.model
    assert ours.train_dataloader.dataset.pipeline == \
        levir.train_dataloader.dataset.pipeline
    assert ours.train_dataloader.dataset.type == 'S2LookingDataset'
    assert ours.train_cfg.max_iters == 80000
    assert ours.param_scheduler[-1].end == 80000
    if 'mit-b0' in name:
        assert ours.optim_wrapper == levir.optim_wrapper
    else:
        assert ours.optim_wrapper.optimizer == dict(
            type='AdamW', lr=0.001, betas=(0.9, 0.999), weight_decay=0.05)


@pytest.mark.parametrize('name', sorted(BAN))
def test_ban_model_is_open_cds(name):
    """With the reference's reductions (tiny ViT, no pretrained weights),
    the model equals the one open-cd's config built for the reference;
    open-cd's BAN models do not change with the dataset."""
    reference = reference_config(BAN[name])
    ours = config(name)
    tiny = reference.model
    ours.merge_from_dict(dict(model=dict(
        encoder_resolution=tiny.encoder_resolution,
        image_encoder=tiny.image_encoder,
        decode_head=dict(ban_cfg=dict(
            clip_channels=tiny.decode_head.ban_cfg.clip_channels)))))
    theirs = normalised(tiny.to_dict())
    mine = normalised(ours.model.to_dict())
    if 'whucd' in name:  # open-cd tests WHU-CD's 256x256 tiles whole
        assert mine.pop('test_cfg') == dict(mode='whole')
        theirs.pop('test_cfg')
    assert mine == theirs
    assert ours.optim_wrapper.type == 'AmpOptimWrapper'
    assert ours.optim_wrapper.paramwise_cfg == \
        reference.optim_wrapper.paramwise_cfg


# ours -> open-cd's config of the name, kept verbatim in tests/data
VERBATIM = [
    'ban/ban_vit-b16-clip_mit-b0_256x256_100e_whucd.py',
    'changer/changer_ex_r18_512x512_80k_s2looking.py',
]


def without_weights(cfg):
    """A config without pretrained weights (paths, URLs, init_cfg)."""
    if isinstance(cfg, dict):
        return {
            k: without_weights(v)
            for k, v in cfg.items()
            if k != 'pretrained' and not (k == 'init_cfg' and (
                v is None or v.get('type') == 'Pretrained'))
        }
    if isinstance(cfg, (list, tuple)):
        return [without_weights(v) for v in cfg]
    return cfg


@pytest.mark.parametrize('name', VERBATIM)
def test_config_equals_open_cds_of_the_name(name):
    ours = config(name)
    theirs = Config.fromfile(
        osp.join(REPO_ROOT, 'tests', 'data', 'opencd_configs', 'configs',
                 name))
    assert without_weights(normalised(ours.model.to_dict())) == \
        without_weights(normalised(theirs.model.to_dict()))
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert ours[key] == theirs[key], key
    for loader in ('train_dataloader', 'test_dataloader'):
        assert ours[loader].dataset.pipeline == \
            theirs[loader].dataset.pipeline, loader
