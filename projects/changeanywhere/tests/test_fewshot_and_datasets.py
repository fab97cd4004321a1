"""Few-shot stem lists, the fine-tuning configs that read them, the
synthetic-pair dataset class and the LoveDA / OpenEarthMap sources."""
import os
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from changefine_mm.datasets import DatasetLayoutError
from changefine_mm.registry import DATASETS
from projects.changeanywhere.changeanywhere import (
    fraction_size, generate_change_dataset, list_loveda, list_openearthmap,
    list_source, list_stems, select_fraction, write_fewshot_splits)
from projects.changeanywhere.tests.semantic_fixtures import (
    generator_cfg, write_semantic_folders)

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'configs')


def test_fraction_sizes_match_the_published_lists():
    sysu = [fraction_size(12000, p) for p in (1, 5, 10, 20, 50)]
    second = [fraction_size(2078, p) for p in (1, 5, 10, 20, 50)]
    assert sysu == [120, 600, 1200, 2400, 6000]
    assert second == [21, 104, 208, 416, 1039]
    assert fraction_size(3, 1) == 1
    with pytest.raises(ValueError, match='percent'):
        fraction_size(10, 0)


def test_systematic_selection_reproduces_the_sysu_lists():
    stems = [f'{i:05d}' for i in range(12000)]
    one = select_fraction(stems, 1)
    five = select_fraction(stems, 5)
    assert one[:3] == ['00000', '00100', '00200'] and one[-1] == '11900'
    assert five[:3] == ['00000', '00020', '00040'] and len(five) == 600
    assert set(one) <= set(five)


def test_random_selection_is_seeded_and_nested():
    stems = [f'pair_{i}' for i in range(500)]
    small = select_fraction(stems, 5, 'random', seed=3)
    large = select_fraction(stems, 20, 'random', seed=3)
    assert small == select_fraction(stems, 5, 'random', seed=3)
    assert small != select_fraction(stems, 5, 'random', seed=4)
    assert set(small) <= set(large) and len(large) == 100
    with pytest.raises(ValueError, match='duplicates'):
        select_fraction(['a', 'a'], 50)
    with pytest.raises(ValueError, match='method'):
        select_fraction(stems, 5, 'stratified')


def _sysu_like(root: str, count: int = 40) -> None:
    rng = np.random.default_rng(0)
    for folder in ('time1', 'time2', 'label'):
        os.makedirs(osp.join(root, 'train', folder))
    for i in range(count):
        name = f'{i:05d}.png'
        for folder in ('time1', 'time2'):
            cv2.imwrite(osp.join(root, 'train', folder, name),
                        rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
        cv2.imwrite(osp.join(root, 'train', 'label', name),
                    np.zeros((8, 8), np.uint8))


@pytest.mark.parametrize('model', ['fc_siam_diff_256x256', 'bit_r18_256x256'])
def test_finetune_configs_load_the_written_split(tmp_path, model,
                                                 monkeypatch):
    root = str(tmp_path / 'SYSU-CD')
    _sysu_like(root)
    from projects.changeanywhere.tools import make_fewshot_splits
    monkeypatch.setattr(sys, 'argv', [
        'make_fewshot_splits.py', root, '--image-dir', 'train/time1',
        '--prefix', 'sysucd', '--percents', '10', '50'
    ])
    make_fewshot_splits.main()
    written = sorted(os.listdir(osp.join(root, 'dataset_list')))
    assert written == ['sysucd-train-10%.txt', 'sysucd-train-50%.txt']
    for mode, load_from in (('finetune', True), ('onlysup', False)):
        cfg = Config.fromfile(
            osp.join(CONFIGS, f'{model}_50e_sysucd-10%_{mode}.py'))
        assert bool(cfg.load_from) == load_from
        dataset_cfg = cfg.train_dataloader.dataset
        dataset_cfg.data_root = root
        dataset = DATASETS.build(dataset_cfg)
        stems = [osp.basename(i['img_path'][0])[:-4]
                 for i in dataset.load_data_list()]
        assert stems == ['00000', '00010', '00020', '00030']
        assert dataset[0]['inputs'].shape[0] == 6


def test_changeanywhere_dataset_reads_generated_pairs(tmp_path):
    images, labels = write_semantic_folders(str(tmp_path / 'semantic'),
                                            count=4)
    out = str(tmp_path / 'synthetic')
    generate_change_dataset(generator_cfg(images, labels), out, seed=0,
                            progress=False)
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'fc_siam_diff_256x256_regionswap_pretrain.py'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(data_root=out, pipeline=[
        dict(type='MultiImgLoadImageFromFile'),
        dict(type='MultiImgLoadAnnotations'),
        dict(type='MultiImgPackSegInputs')
    ])
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 4
    item = dataset[0]
    label = cv2.imread(osp.join(out, 'train', 'label', 'tile0.png'), 0)
    np.testing.assert_array_equal(
        item['data_samples'].gt_sem_seg.data[0].numpy(), label // 255)
    # Stem lists and class-map paths.
    write_fewshot_splits(list_stems(osp.join(out, 'train', 'A')),
                         osp.join(out, 'lists'), 'ca', percents=[50])
    semantic = DATASETS.build(dict(
        type='ChangeAnywhereDataset', data_root=out, split='train',
        ann_file='lists/ca-train-50%.txt', with_semantic=True))
    infos = semantic.load_data_list()
    assert len(infos) == 2
    assert [osp.basename(osp.dirname(p)) for p in infos[0]['semantic_paths']
            ] == ['semantic_A', 'semantic_B']
    shutil.rmtree(osp.join(out, 'train', 'semantic_B'))
    with pytest.raises(DatasetLayoutError, match='class map'):
        DATASETS.build(dict(type='ChangeAnywhereDataset', data_root=out,
                            split='train', with_semantic=True))


def _touch_pair(image: str, label: str) -> None:
    os.makedirs(osp.dirname(image), exist_ok=True)
    os.makedirs(osp.dirname(label), exist_ok=True)
    cv2.imwrite(image, np.zeros((4, 4, 3), np.uint8))
    cv2.imwrite(label, np.ones((4, 4), np.uint8))


def test_loveda_and_openearthmap_layouts(tmp_path):
    loveda = str(tmp_path / 'LoveDA')
    for domain, index in (('Urban', 7), ('Rural', 1)):
        base = osp.join(loveda, 'Train', domain)
        _touch_pair(osp.join(base, 'images_png', f'{index}.png'),
                    osp.join(base, 'masks_png', f'{index}.png'))
    assert [s.name for s in list_loveda(loveda)] == ['urban_7', 'rural_1']
    oem = str(tmp_path / 'OpenEarthMap')
    _touch_pair(osp.join(oem, 'aachen', 'images', 'aachen_1.tif'),
                osp.join(oem, 'aachen', 'labels', 'aachen_1.tif'))
    with open(osp.join(oem, 'train.txt'), 'w') as f:
        f.write('aachen_1.tif\n\n')
    samples = list_openearthmap(oem, 'train')
    assert [s.name for s in samples] == ['aachen_1']
    with open(osp.join(oem, 'val.txt'), 'w') as f:
        f.write('berlin_2.tif\n')
    with pytest.raises(ValueError, match='lists berlin_2.tif'):
        list_openearthmap(oem, 'val')
    with pytest.raises(ValueError, match='unknown source layout'):
        list_source('cityscapes')
