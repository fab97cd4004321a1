"""Semantic change datasets (SECOND, Landsat-SCD, BANDON) on tiny generated
fixtures in each dataset's real layout, and the transforms that carry the
three label maps."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from changefine_mm.datasets import (BANDONDataset, DatasetLayoutError,
                                    SECONDDataset)
from changefine_mm.datasets.synthetic_scd import write_scd_dataset
from changefine_mm.datasets.transforms import LabelValueError
from changefine_mm.registry import DATASETS, TRANSFORMS

SECOND_PALETTE = np.array(SECONDDataset.METAINFO['semantic_palette'])
PREFIX = dict(img_path_from='train/im1', img_path_to='train/im2',
              seg_map_path='train/label', seg_map_path_from='train/label1',
              seg_map_path_to='train/label2')
LOAD = [dict(type='MultiImgLoadImageFromFile'),
        dict(type='MultiImgMultiAnnLoadAnnotations')]
PACK = [dict(type='MultiImgPackSegInputs')]


def build(dataset_type, root, prefix=None, pipeline=LOAD, **kwargs):
    return DATASETS.build(
        dict(type=dataset_type, data_root=root,
             data_prefix=dict(prefix or PREFIX), pipeline=pipeline,
             **kwargs))


def read_index(path):
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


@pytest.fixture(scope='module')
def second_roots(tmp_path_factory):
    """The same pairs twice: index labels with a binary folder (open-cd's
    layout) and colour labels without one (SECOND's release)."""
    base = tmp_path_factory.mktemp('second')
    index, colour = str(base / 'index'), str(base / 'colour')
    write_scd_dataset(index, dict(train=3), size=32, seed=4)
    write_scd_dataset(colour, dict(train=3), size=32, seed=4,
                      palette=SECOND_PALETTE)
    return index, colour


def test_second_index_layout_reduces_zero_label(second_roots):
    root = second_roots[0]
    dataset = build('SECOND_Dataset', root)
    assert len(dataset) == 3
    assert dataset.metainfo['semantic_classes'][0] == 'unchanged'
    results = dataset[0]
    raw_from = read_index(osp.join(root, 'train/label1/train_0000.png'))
    raw_to = read_index(osp.join(root, 'train/label2/train_0000.png'))
    binary = read_index(osp.join(root, 'train/label/train_0000.png'))
    # reduce_semantic_zero_label: raw 0 (unchanged) -> 255, v -> v - 1.
    np.testing.assert_array_equal(results['gt_seg_map_from'],
                                  np.where(raw_from == 0, 255, raw_from - 1))
    np.testing.assert_array_equal(results['gt_seg_map_to'],
                                  np.where(raw_to == 0, 255, raw_to - 1))
    np.testing.assert_array_equal(results['gt_seg_map'], binary // 255)
    assert results['seg_fields'] == ['gt_seg_map', 'gt_seg_map_from',
                                     'gt_seg_map_to']
    assert (results['gt_seg_map'] == 1).any()


def test_second_colour_release_equals_index_files(second_roots):
    index, colour = second_roots
    assert not osp.exists(osp.join(colour, 'train', 'label'))
    prefix = {k: v for k, v in PREFIX.items() if k != 'seg_map_path'}
    from_index = build('SECOND_Dataset', index)
    from_colour = build('SECOND_Dataset', colour, prefix)
    for i in range(3):
        a, b = from_index[i], from_colour[i]
        assert b['seg_map_path'] is None
        for key in ('gt_seg_map', 'gt_seg_map_from', 'gt_seg_map_to'):
            np.testing.assert_array_equal(a[key], b[key])


def test_packed_sample_holds_three_maps(second_roots):
    dataset = build('SECOND_Dataset', second_roots[0], pipeline=LOAD + PACK)
    sample = dataset[1]['data_samples']
    raw = dataset.get_data_info(1)
    loaded = build('SECOND_Dataset', second_roots[0])[1]
    for field, key in (('gt_sem_seg', 'gt_seg_map'),
                       ('gt_sem_seg_from', 'gt_seg_map_from'),
                       ('gt_sem_seg_to', 'gt_seg_map_to')):
        data = sample.get(field).data
        assert data.shape == (1, 32, 32)
        np.testing.assert_array_equal(data[0].numpy(), loaded[key])
    assert sample.seg_map_path_from == raw['seg_map_path_from']


def test_unknown_colour_names_file_and_palette(second_roots, tmp_path):
    root = str(tmp_path)
    write_scd_dataset(root, dict(train=1), size=16, seed=0,
                      palette=SECOND_PALETTE)
    path = osp.join(root, 'train', 'label1', 'train_0000.png')
    image = cv2.imread(path)
    image[0, 0] = (1, 2, 3)
    cv2.imwrite(path, image)
    prefix = {k: v for k, v in PREFIX.items() if k != 'seg_map_path'}
    dataset = build('SECOND_Dataset', root, prefix)
    with pytest.raises(LabelValueError, match='train_0000.png.*'
                       'semantic_palette'):
        dataset[0]


def test_index_out_of_range_is_an_error(tmp_path):
    root = str(tmp_path)
    write_scd_dataset(root, dict(train=1), size=16, seed=0)
    path = osp.join(root, 'train', 'label2', 'train_0000.png')
    label = read_index(path)
    label[0, 0] = 9
    cv2.imwrite(path, label)
    with pytest.raises(LabelValueError, match=r'label2.*\[8\].*0\.\.5'):
        build('SECOND_Dataset', root)[0]


def test_class_subset_maps_labels_and_palette(second_roots):
    classes = ('unchanged', 'water', 'building')
    dataset = build('SECOND_Dataset', second_roots[0],
                    metainfo=dict(semantic_classes=classes))
    assert dataset.metainfo['semantic_palette'] == [[255, 255, 255],
                                                    [0, 0, 255],
                                                    [128, 0, 0]]
    assert dataset.semantic_label_map == {0: 0, 1: 1, 2: 255, 3: 255,
                                          4: 255, 5: 2, 6: 255}
    raw = read_index(dataset.get_data_info(0)['seg_map_path_from'])
    # Raw classes: 1 water -> 1 -> reduced 0; 5 building -> 2 -> reduced
    # 1; 0 unchanged and the classes left out -> ignored (255).
    expected = np.full_like(raw, 255)
    expected[raw == 1] = 0
    expected[raw == 5] = 1
    np.testing.assert_array_equal(dataset[0]['gt_seg_map_from'], expected)
    assert {0, 1} & set(np.unique(expected).tolist())


def test_class_subset_must_keep_unchanged_first(second_roots):
    with pytest.raises(ValueError, match="keep 'unchanged' first"):
        build('SECOND_Dataset', second_roots[0],
              metainfo=dict(semantic_classes=('water', 'building')))


def test_landsat_layout_with_test_split(tmp_path):
    root = str(tmp_path)
    write_scd_dataset(root, dict(test=2), size=16, seed=2)
    # Landsat-SCD has 4 classes: rewrite the maps with classes 0..4.
    for folder in ('label1', 'label2'):
        for name in os.listdir(osp.join(root, 'test', folder)):
            path = osp.join(root, 'test', folder, name)
            cv2.imwrite(path, read_index(path) % 5)
    dataset = build('Landsat_Dataset', root,
                    {k: v.replace('train', 'test')
                     for k, v in PREFIX.items()})
    assert len(dataset) == 2
    assert dataset.metainfo['semantic_classes'][1] == 'farmland'
    values = np.unique(dataset[0]['gt_seg_map_from'])
    assert set(values.tolist()) <= {0, 1, 2, 3, 255}


def write_bandon(root: str) -> None:
    """BANDON's layout: nested city/time folders, JPEG images, a list file
    of five stems per line (open-cd's generate_bandon_txt.py)."""
    rng = np.random.default_rng(0)
    lines = []
    for city, (t1, t2) in (('bj', ('t1', 't2')), ('sh', ('t2', 't3'))):
        for folder in (f'imgs/{city}/{t1}', f'imgs/{city}/{t2}',
                       f'labels_unch0ch1ig255/{city}/{t1}VS{t2}',
                       f'building_labels/{city}/{t1}',
                       f'building_labels/{city}/{t2}'):
            os.makedirs(osp.join(root, 'train', folder), exist_ok=True)
        for t in (t1, t2):
            cv2.imwrite(osp.join(root, 'train', 'imgs', city, t, 'p0.jpg'),
                        rng.integers(0, 255, (16, 16, 3), dtype=np.uint8))
            cv2.imwrite(
                osp.join(root, 'train', 'building_labels', city, t,
                         'p0.png'),
                rng.integers(0, 3, (16, 16), dtype=np.uint8))
        cv2.imwrite(
            osp.join(root, 'train', 'labels_unch0ch1ig255', city,
                     f'{t1}VS{t2}', 'p0.png'),
            rng.integers(0, 2, (16, 16), dtype=np.uint8))
        lines.append(f'{city}/{t1}/p0 {city}/{t2}/p0 {city}/{t1}VS{t2}/p0 '
                     f'{city}/{t1}/p0 {city}/{t2}/p0')
    with open(osp.join(root, 'train.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def test_bandon_five_stem_list(tmp_path):
    root = str(tmp_path)
    write_bandon(root)
    prefix = dict(img_path_from='train/imgs', img_path_to='train/imgs',
                  seg_map_path='train/labels_unch0ch1ig255',
                  seg_map_path_from='train/building_labels',
                  seg_map_path_to='train/building_labels')
    dataset = build('BANDON_Dataset', root, prefix,
                    ann_file=osp.join(root, 'train.txt'))
    assert len(dataset) == 2
    info = dataset.get_data_info(1)
    assert info['img_path'][0].endswith('imgs/sh/t2/p0.jpg')
    assert info['img_path'][1].endswith('imgs/sh/t3/p0.jpg')
    assert info['seg_map_path'].endswith('sh/t2VSt3/p0.png')
    results = dataset[1]
    raw = read_index(info['seg_map_path_to'])
    np.testing.assert_array_equal(results['gt_seg_map_to'], raw)


def test_bandon_needs_a_binary_label_folder(tmp_path):
    root = str(tmp_path)
    write_bandon(root)
    prefix = dict(img_path_from='train/imgs', img_path_to='train/imgs',
                  seg_map_path_from='train/building_labels',
                  seg_map_path_to='train/building_labels')
    with pytest.raises(DatasetLayoutError, match='seg_map_path'):
        DATASETS.build(dict(type=BANDONDataset, data_root=root,
                            ann_file=osp.join(root, 'train.txt'),
                            data_prefix=prefix))


def test_missing_semantic_file_is_listed(second_roots, tmp_path):
    root = str(tmp_path)
    write_scd_dataset(root, dict(train=2), size=16, seed=0)
    os.remove(osp.join(root, 'train', 'label2', 'train_0001.png'))
    with pytest.raises(DatasetLayoutError,
                       match='label2/train_0001.png'):
        build('SECOND_Dataset', root)


# ------------------------------------------------------ geometric transforms
def aligned_results(size: int = 24) -> dict:
    """Three label maps tied to each other pixel by pixel: change = (from
    > 2), to = (from + 1) % 5; the image's first channel is from * 40."""
    rng = np.random.default_rng(3)
    cover = rng.integers(0, 5, (size, size)).astype(np.uint8)
    image = np.repeat((cover * 40)[..., None], 3, axis=2)
    return dict(img=[image.copy(), image.copy()], img_shape=(size, size),
                ori_shape=(size, size), gt_seg_map=(cover > 2).astype(
                    np.uint8), gt_seg_map_from=cover,
                gt_seg_map_to=(cover + 1) % 5,
                seg_fields=['gt_seg_map', 'gt_seg_map_from', 'gt_seg_map_to'])


def assert_aligned(results: dict, image_too: bool) -> None:
    cover = results['gt_seg_map_from']
    keep = cover != 255
    assert keep.sum() > 0
    np.testing.assert_array_equal(results['gt_seg_map'][keep],
                                  (cover[keep] > 2).astype(np.uint8))
    np.testing.assert_array_equal(results['gt_seg_map_to'][keep],
                                  (cover[keep] + 1) % 5)
    if image_too:
        np.testing.assert_array_equal(results['img'][1][..., 0][keep],
                                      cover[keep] * 40)


# (transform, whether its images are moved without interpolation)
@pytest.mark.parametrize('transform,exact', [
    (dict(type='MultiImgRandomCrop', crop_size=(13, 11)), True),
    (dict(type='MultiImgRandomFlip', prob=1.0,
          direction=['horizontal', 'vertical']), True),
    (dict(type='MultiImgRandomRotFlip', rotate_prob=0.0,
          flip_prob=1.0), True),
    (dict(type='MultiImgRandomRotate', prob=1.0, degree=30), False),
    (dict(type='MultiImgResize', scale=(40, 40)), False),
])
def test_geometric_transforms_keep_three_maps_aligned(transform, exact):
    np.random.seed(5)
    before = aligned_results()
    after = TRANSFORMS.build(transform)(aligned_results())
    assert_aligned(after, exact)
    changed = any(before[k].shape != after[k].shape
                  or not np.array_equal(before[k], after[k])
                  for k in before['seg_fields'])
    assert changed


def test_exchange_time_swaps_semantic_maps():
    results = aligned_results()
    results['img'][1] = results['img'][1] + 1
    results.update(seg_map_path_from='a.png', seg_map_path_to='b.png')
    swapped = TRANSFORMS.build(dict(type='MultiImgExchangeTime',
                                    prob=1.0))(results)
    cover = aligned_results()['gt_seg_map_from']
    np.testing.assert_array_equal(swapped['gt_seg_map_to'], cover)
    np.testing.assert_array_equal(swapped['gt_seg_map_from'],
                                  (cover + 1) % 5)
    assert swapped['seg_map_path_from'] == 'b.png'
    np.testing.assert_array_equal(swapped['img'][1][..., 0], cover * 40)


def test_changeanywhere_semantic_pairs(tmp_path):
    """Pairs written by the ChangeAnywhere generator's own writer load
    with the changeanywhere_scd base config: binary label and both dates'
    LoveDA class maps (0 no-data ignored, 1..7 -> 0..6)."""
    from mmengine.config import Config
    from projects.changeanywhere.changeanywhere.change_pair_generator import \
        ChangePair
    from projects.changeanywhere.changeanywhere.dataset_writer import (
        FOLDERS, write_pair)
    from conftest import REPO_ROOT
    root = str(tmp_path)
    rng = np.random.default_rng(0)
    semantic_a = rng.integers(0, 8, (16, 16)).astype(np.uint8)
    semantic_b = semantic_a.copy()
    semantic_b[4:9, 4:9] = 2
    for folder in FOLDERS.values():
        os.makedirs(osp.join(root, 'val', folder))
    image = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
    write_pair(osp.join(root, 'val'), 'p0',
               ChangePair(image, image[::-1].copy(), semantic_a, semantic_b))
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_',
                                   'datasets', 'changeanywhere_scd.py'))
    cfg.val_dataloader.dataset.data_root = root
    sample = DATASETS.build(cfg.val_dataloader.dataset)[0]['data_samples']
    np.testing.assert_array_equal(sample.gt_sem_seg.data[0].numpy(),
                                  semantic_a != semantic_b)
    np.testing.assert_array_equal(sample.gt_sem_seg_to.data[0].numpy(),
                                  np.where(semantic_b == 0, 255,
                                           semantic_b - 1))
    assert sample.gt_sem_seg_from.data.shape == (1, 16, 16)


def test_semantic_label_of_another_size_is_found_at_start(tmp_path):
    root = str(tmp_path)
    write_scd_dataset(root, dict(train=2), size=16, seed=0)
    path = osp.join(root, 'train', 'label1', 'train_0001.png')
    cv2.imwrite(path, np.zeros((8, 16), np.uint8))
    with pytest.raises(DatasetLayoutError,
                       match=r'label1/train_0001.png is 16x8 but'):
        build('SECOND_Dataset', root)
