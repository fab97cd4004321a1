"""The CLCD, JL1-CD and RSIPAC-CD configs.

Each base dataset config reads a tiny tree written in the dataset's real
layout (folder and split names, suffixes, label encoding: spelled out here,
not taken from the configs); its FC-Siam-diff config trains and predicts
at 64 px, and its ChangeFine config builds at full size on the meta device
(no weight files) and runs its training pipeline. JL1-CD's ChangerEx-R18
config is open-cd's MTKD step-1 config.
"""
import math
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from changefine_mm.datasets.synthetic import make_pair
from changefine_mm.registry import DATASETS, MODELS
from changefine_mm.utils.runtime import adapt_to_machine

CONFIGS = osp.join(REPO_ROOT, 'configs')
OPENCD_CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'opencd_configs',
                          'configs')
SIZE = 64
PAIRS = 2
# base config: (split folders on disk, date and label folders, image
# suffix, label value of "changed", the split each loader must read,
# training pairs of the real dataset (None: not fixed))
LAYOUTS = {
    'clcd': (('train', 'val', 'test'), ('time1', 'time2', 'label'), '.png',
             255, dict(train='train', val='val', test='test'), 360),
    'jl1_cd': (('train', 'test'), ('A', 'B', 'label'), '.png', 255,
               dict(train='train', val='test', test='test'), 4000),
    'rsipac_cd': (('train', 'val'), ('A', 'B', 'label'), '.tif', 1,
                  dict(train='train', val='val', test='val'), None),
}
# base config -> its model configs
MODEL_CONFIGS = {
    'clcd': ('fcsn/fc_siam_diff_256x256_40k_clcd.py',
             'changefine/changefine_clcd.py'),
    'jl1_cd': ('fcsn/fc_siam_diff_256x256_80k_jl1cd.py',
               'changefine/changefine_jl1cd.py'),
    'rsipac_cd': ('fcsn/fc_siam_diff_256x256_40k_rsipaccd.py',
                  'changefine/changefine_rsipaccd.py'),
}


def write_tree(root: str, name: str) -> None:
    """Write ``PAIRS`` pairs per split of dataset ``name``'s layout.

    RSIPAC-CD also gets its unlabelled ``test_AB/{A,B}``.
    """
    splits, folders, suffix, changed, _, _ = LAYOUTS[name]
    rng = np.random.default_rng(0)
    unlabelled = [('test_AB', ('A', 'B'))] if name == 'rsipac_cd' else []
    for split, names in [(s, folders) for s in splits] + unlabelled:
        for folder in names:
            os.makedirs(osp.join(root, split, folder), exist_ok=True)
        for i in range(PAIRS):
            image_a, image_b, label = make_pair(rng, SIZE)
            stem = osp.join(root, split, '{}', f'{split}_{i}')
            cv2.imwrite(stem.format(names[0]) + suffix, image_a[..., ::-1])
            cv2.imwrite(stem.format(names[1]) + suffix, image_b[..., ::-1])
            if len(names) == 3:
                cv2.imwrite(
                    stem.format(names[2]) + '.png',
                    np.where(label > 0, changed, 0).astype(np.uint8))


@pytest.fixture(scope='module', params=sorted(LAYOUTS))
def dataset_tree(request, tmp_path_factory):
    root = str(tmp_path_factory.mktemp(request.param))
    write_tree(root, request.param)
    return request.param, root


def base_config(name: str) -> Config:
    return Config.fromfile(
        osp.join(CONFIGS, '_base_', 'datasets', f'{name}.py'))


def build_split(cfg: Config, split: str, root: str):
    dataset = dict(cfg[f'{split}_dataloader'].dataset)
    dataset['data_root'] = root
    return DATASETS.build(dataset)


def true_label(info: dict) -> np.ndarray:
    """The 0/1 change mask of a fixture label, whatever its encoding."""
    return (cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED) >
            0).astype(np.int64)


@pytest.mark.parametrize('split', ['train', 'val', 'test'])
def test_base_config_reads_the_real_layout(dataset_tree, split):
    name, root = dataset_tree
    _, folders, suffix, _, reads, _ = LAYOUTS[name]
    dataset = build_split(base_config(name), split, root)
    assert len(dataset) == PAIRS
    np.random.seed(0)  # the augmentations' draws
    for index in range(PAIRS):
        info = dataset.get_data_info(index)
        assert info['img_path'] == [
            osp.join(root, reads[split], folder,
                     f'{reads[split]}_{index}{suffix}')
            for folder in folders[:2]
        ]
        sample = dataset[index]
        inputs = sample['inputs']
        gt = sample['data_samples'].gt_sem_seg.data[0]
        assert inputs.shape[0] == 6 and inputs.dtype == torch.uint8
        # Both dates are loaded, and they differ.
        assert not torch.equal(inputs[:3], inputs[3:])
        values = set(gt.unique().tolist())
        if split == 'train':
            # Rotation pads the label with the ignore index.
            assert 1 in values and values <= {0, 1, 255}
            assert inputs.shape[1:] == gt.shape
            continue
        # Evaluation: images at 512x512 as open-cd, the label as on disk.
        assert inputs.shape[1:] == (512, 512)
        assert values == {0, 1}
        assert np.array_equal(gt.numpy(), true_label(info))


# base config -> open-cd's config of the dataset (verbatim in tests/data)
OPENCD_BASES = {
    'clcd': '_base_/datasets/clcd.py',
    'jl1_cd': 'common/standard_512x512_200k_jl1cd.py',
    'rsipac_cd': '_base_/datasets/rsipac_cd.py',
}


@pytest.mark.parametrize('name', sorted(OPENCD_BASES))
def test_base_config_reads_what_open_cd_reads(name):
    """open-cd's data root, folders, evaluation pipeline and batch sizes
    (RSIPAC-CD's test loader aside: open-cd's reads the unlabelled
    test_AB, which no metric can score; ours tests on val)."""
    ours = base_config(name)
    theirs = Config.fromfile(osp.join(OPENCD_CONFIGS, OPENCD_BASES[name]))
    assert ours.data_root == theirs.data_root
    loaders = ['train_dataloader', 'val_dataloader']
    if name != 'rsipac_cd':
        loaders.append('test_dataloader')
    for loader in loaders:
        assert ours[loader].batch_size == theirs[loader].batch_size
        assert ours[loader].dataset.data_prefix == \
            theirs[loader].dataset.data_prefix, loader
    assert ours.test_pipeline == theirs.test_pipeline


def test_rsipac_unlabelled_test_pairs_are_read(tmp_path):
    write_tree(str(tmp_path), 'rsipac_cd')
    cfg = base_config('rsipac_cd').test_dataloader.dataset
    cfg.update(data_root=str(tmp_path), with_label=False,
               data_prefix=dict(img_path_from='test_AB/A',
                                img_path_to='test_AB/B'),
               pipeline=[
                   step for step in cfg.pipeline
                   if step.type != 'MultiImgLoadAnnotations'
               ])
    sample = DATASETS.build(cfg)[1]
    assert sample['inputs'].shape == (6, 512, 512)
    assert 'gt_sem_seg' not in sample['data_samples']


def test_fc_siam_diff_trains_and_predicts(dataset_tree, one_torch_thread):
    name, root = dataset_tree
    cfg = Config.fromfile(osp.join(CONFIGS, MODEL_CONFIGS[name][0]))
    assert cfg.train_dataloader.dataset.type == base_config(
        name).dataset_type
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    train = build_split(cfg, 'train', root)
    batch = model.data_preprocessor(
        pseudo_collate([train[i] for i in range(PAIRS)]), True)
    losses = model(**batch, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    model.eval()
    test = build_split(cfg, 'test', root)
    with torch.no_grad():
        predicted = model.test_step(pseudo_collate([test[0]]))[0]
    # Predicted at 512x512, returned at the label's size.
    assert predicted.pred_sem_seg.data.shape == (1, SIZE, SIZE)


@pytest.mark.parametrize('name', sorted(LAYOUTS))
def test_changefine_config(name, tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, MODEL_CONFIGS[name][1]))
    base = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'models', 'changefine.py'))
    assert cfg.model.mode == 'paper'
    assert cfg.model.backbone.class_names == base.landcover_class_names
    assert cfg.train_dataloader.dataset.type == base_config(
        name).dataset_type
    # 100 epochs of 256x256 tiles (4 per 512x512 pair), batch 12, the
    # first 20 a warm-up; validation every epoch.
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, cosine.type) == ('LinearLR', 'CosineAnnealingLR')
    assert warmup.end == cosine.begin == cfg.train_cfg.max_iters // 5
    assert cosine.end == cfg.train_cfg.max_iters
    pairs = LAYOUTS[name][5]
    if pairs is not None:
        per_epoch = math.ceil(4 * pairs / cfg.train_dataloader.batch_size)
        assert cfg.train_cfg.max_iters == 100 * per_epoch
        assert cfg.train_cfg.val_interval == per_epoch
    # The model builds at full size without weight files.
    cfg.model.backbone.update(sam_checkpoint=None, clip_checkpoint=None)
    cfg.model.init_seed = 0
    adapt_to_machine(cfg, 'none')
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert list(model.backbone.class_names) == base.landcover_class_names
    # Its training pipeline runs on the dataset's layout.
    write_tree(str(tmp_path), name)
    train = build_split(cfg, 'train', str(tmp_path))
    for index in range(PAIRS):
        sample = train[index]
        # The rotation's enlarged canvas may exceed the 64 px tile.
        assert sample['inputs'].shape[0] == 6
        assert sample['inputs'].shape[1:] == \
            sample['data_samples'].gt_sem_seg.data.shape[1:]
        assert max(sample['inputs'].shape[1:]) <= 256


def test_changer_ex_jl1cd_is_open_cds_mtkd_step1(tmp_path):
    """open-cd's configs/mtkd/step1/initial-changer_ex_r18_512x512_200k_
    jl1cd.py is the step-2 'small' config (kept verbatim in tests/data)
    with the standard 200k schedule of common/standard_512x512_200k_jl1cd
    and the full training split."""
    ours = Config.fromfile(osp.join(
        CONFIGS, 'changer', 'changer_ex_r18_512x512_200k_jl1cd.py'))
    recipe = Config.fromfile(osp.join(
        OPENCD_CONFIGS, 'mtkd', 'step2',
        'small-changer_ex_r18_512x512_200k_jl1cd.py'))
    schedule = Config.fromfile(
        osp.join(OPENCD_CONFIGS, OPENCD_BASES['jl1_cd']))
    assert ours.model == recipe.model
    assert ours.optim_wrapper == recipe.optim_wrapper
    for key in ('param_scheduler', 'train_cfg'):
        assert ours[key] == schedule[key], key
    assert ours.default_hooks.checkpoint.interval == \
        schedule.default_hooks.checkpoint.interval
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert ours[loader].batch_size == recipe[loader].batch_size
        assert ours[loader].dataset.pipeline == \
            recipe[loader].dataset.pipeline, loader
        assert ours[loader].dataset.data_prefix == \
            schedule[loader].dataset.data_prefix, loader
    write_tree(str(tmp_path), 'jl1_cd')
    sample = build_split(ours, 'train', str(tmp_path))[0]
    assert sample['inputs'].shape[0] == 6
    assert sample['inputs'].shape[1:] == \
        sample['data_samples'].gt_sem_seg.data.shape[1:]
