"""ChangeAnywhere's few-shot protocol: the official families, datasets,
label fractions and split lists, and SECOND used as binary CD."""
import os
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from changefine_mm.registry import DATASETS, MODELS

PROJECT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(PROJECT, 'configs')
LISTS = osp.join(PROJECT, 'dataset_list')
# The model families of the official few-shot configs (all eight).
FAMILIES = ('bit_r18', 'changeformer_mit_b1', 'changer_ex_r18', 'fc_ef',
            'fc_siam_conc', 'fc_siam_diff', 'lightcdnet_b', 'snunet_c32')
DATASETS_ = {'sysucd': ('SYSUCDDataset', 'SYSU-CD'),
             'second': ('SECONDBCDDataset', 'SECOND')}
PERCENTS = (1, 5, 10, 20, 50, 100)
# Lines of the official lists (dataset_list/ of the release).
LIST_SIZES = {'sysucd': (120, 600, 1200, 2400, 6000),
              'second': (21, 104, 208, 416, 1039)}


def _list(dataset: str, percent: int) -> str:
    return osp.join(LISTS, DATASETS_[dataset][1], 'dataset_list',
                    f'{dataset}-train-{percent}%.txt')


@pytest.mark.parametrize('dataset', sorted(DATASETS_))
def test_shipped_official_lists(dataset):
    for percent, size in zip(PERCENTS, LIST_SIZES[dataset]):
        with open(_list(dataset, percent)) as f:
            stems = f.read().split()
        assert len(stems) == len(set(stems)) == size
    assert osp.isfile(osp.join(LISTS, 'SOURCE.md'))


def test_every_family_dataset_fraction_and_mode_has_a_config():
    expected = {f'{fam}_256x256_50e_{ds}-{p}%_{kind}.py'
                for fam in FAMILIES for ds in DATASETS_ for p in PERCENTS
                for kind in ('finetune', 'onlysup')}
    expected |= {f'{fam}_256x256_regionswap_pretrain.py'
                 for fam in FAMILIES}
    assert set(n for n in os.listdir(CONFIGS) if n.endswith('.py')) == \
        expected
    # No name suggests the paper's generator or ChangeAnywhere-100K.
    assert not any('ca100k' in name for name in os.listdir(CONFIGS))


@pytest.mark.parametrize('family', FAMILIES)
@pytest.mark.parametrize('dataset', sorted(DATASETS_))
def test_fewshot_configs_follow_the_official_protocol(family, dataset):
    for percent in PERCENTS:
        for kind in ('finetune', 'onlysup'):
            cfg = Config.fromfile(osp.join(
                CONFIGS, f'{family}_256x256_50e_{dataset}-{percent}%_'
                f'{kind}.py'))
            data = cfg.train_dataloader.dataset
            assert data.type == DATASETS_[dataset][0]
            if percent < 100:
                assert data.ann_file == \
                    f'dataset_list/{dataset}-train-{percent}%.txt'
            else:
                assert not data.get('ann_file')
            assert bool(cfg.load_from) == (kind == 'finetune')
            assert cfg.train_cfg.max_epochs == 50
            assert cfg.optim_wrapper.optimizer.lr == 1e-4
            if family == 'changeformer_mit_b1':
                assert cfg.optim_wrapper.optimizer.weight_decay == 0.01
                assert cfg.optim_wrapper.paramwise_cfg.custom_keys[
                    'head'] == dict(lr_mult=10.)
            # Nothing is downloaded (BIT's ImageNet weights included).
            assert cfg.model.get('pretrained') is None
    if dataset == 'second':
        assert data.data_prefix.seg_map_path == 'train/bcd'
        assert cfg.val_dataloader.dataset.data_prefix.seg_map_path == \
            'test/bcd'
    MODELS.build(cfg.model)


def _second_like(root: str, stems) -> None:
    rng = np.random.default_rng(0)
    for folder in ('A', 'B', 'label1'):
        os.makedirs(osp.join(root, 'train', folder))
    for stem in stems:
        for folder in ('A', 'B'):
            cv2.imwrite(osp.join(root, 'train', folder, f'{stem}.png'),
                        rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
        label = np.full((8, 8, 3), 255, np.uint8)
        label[:2, :3] = (0, 0, 128)  # a changed pixel block (BGR)
        cv2.imwrite(osp.join(root, 'train', 'label1', f'{stem}.png'), label)


def test_second_as_binary_reads_the_official_list(tmp_path, monkeypatch):
    root = str(tmp_path / 'SECOND')
    with open(_list('second', 1)) as f:
        stems = f.read().split()
    _second_like(root, stems + ['99999'])
    from projects.changeanywhere.tools import second_to_bcd
    monkeypatch.setattr(sys, 'argv',
                        ['second_to_bcd.py', root, '--splits', 'train'])
    second_to_bcd.main()
    shutil.copytree(osp.join(LISTS, 'SECOND', 'dataset_list'),
                    osp.join(root, 'dataset_list'))
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'fc_siam_diff_256x256_50e_second-1%_onlysup.py'))
    data = cfg.train_dataloader.dataset
    data.update(data_root=root, pipeline=[
        dict(type='MultiImgLoadImageFromFile'),
        dict(type='MultiImgLoadAnnotations'),
        dict(type='MultiImgPackSegInputs')
    ])
    dataset = DATASETS.build(data)
    assert len(dataset) == 21
    label = dataset[0]['data_samples'].gt_sem_seg.data[0].numpy()
    assert label.sum() == 6 and label[:2, :3].all()
    with pytest.raises(FileNotFoundError, match='label1'):
        second_to_bcd.write_bcd(str(tmp_path), 'train', (255, 255, 255))
    # Index maps (0 = unchanged) work too.
    index = np.zeros((8, 8), np.uint8)
    index[3, 4] = 5
    cv2.imwrite(osp.join(root, 'train', 'label1', f'{stems[0]}.png'), index)
    second_to_bcd.write_bcd(root, 'train', (255, 255, 255))
    bcd = cv2.imread(osp.join(root, 'train', 'bcd', f'{stems[0]}.png'), 0)
    assert bcd.sum() == 255 and bcd[3, 4] == 255
