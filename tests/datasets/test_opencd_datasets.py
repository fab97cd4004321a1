"""open-cd's JL1-CD, CLCD and RSIPAC-CD datasets, and its label rule.

``data/opencd/labels.npz`` holds what open-cd's real datasets and
``MultiImgLoadAnnotations`` make of the label files in
``data/opencd/labels/`` (``data/opencd/make_opencd_refs.py``);
``opencd_compat=True`` must give the same maps.
"""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image

from changefine_mm.registry import DATASETS, TRANSFORMS

DATA = osp.join(osp.dirname(__file__), 'data', 'opencd')
LABELS = osp.join(DATA, 'labels')
REFS = np.load(osp.join(DATA, 'labels.npz'))


def write_split(root, split, folders, names, img_ext, label_ext):
    """Write tiny pairs ``<root>/<split>/<folder>/<name><ext>``."""
    rng = np.random.default_rng(0)
    for name in names:
        for folder in folders[:2]:
            os.makedirs(osp.join(root, split, folder), exist_ok=True)
            cv2.imwrite(osp.join(root, split, folder, name + img_ext),
                        rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
        if folders[2]:
            os.makedirs(osp.join(root, split, folders[2]), exist_ok=True)
            label = np.zeros((8, 8), np.uint8)
            label[2:5, 1:4] = 255
            Image.fromarray(label).save(
                osp.join(root, split, folders[2], name + label_ext))


# open-cd name, folders of its base config, image and label suffixes
LAYOUTS = [
    ('JL1_CD_Dataset', ('A', 'B', 'label'), '.png', '.png'),
    ('CLCD_Dataset', ('time1', 'time2', 'label'), '.png', '.png'),
    ('RSIPAC_CD_Dataset', ('A', 'B', 'label'), '.tif', '.png'),
]


@pytest.mark.parametrize('name, folders, img_ext, label_ext', LAYOUTS)
def test_dataset_reads_open_cd_layout(tmp_path, name, folders, img_ext,
                                      label_ext):
    root = str(tmp_path)
    write_split(root, 'train', folders, ['b_2', 'a_1'], img_ext, label_ext)
    prefix = dict(img_path_from=f'train/{folders[0]}',
                  img_path_to=f'train/{folders[1]}',
                  seg_map_path=f'train/{folders[2]}')
    dataset = DATASETS.build(dict(type=name, data_root=root,
                                  data_prefix=prefix))
    assert len(dataset) == 2
    assert dataset.metainfo['classes'] == ('unchanged', 'changed')
    info = dataset.get_data_info(0)
    assert info['img_path'][1] == osp.join(root, 'train', folders[1],
                                           'a_1' + img_ext)
    assert info['seg_map_path'].endswith('a_1' + label_ext)
    # The split shortcut knows the dataset's folder names.
    by_split = DATASETS.build(dict(type=name, data_root=root,
                                   split='train'))
    assert by_split.get_data_info(1)['img_path'] == dataset.get_data_info(
        1)['img_path']
    results = TRANSFORMS.build(dict(type='MultiImgLoadImageFromFile'))(info)
    results = TRANSFORMS.build(dict(type='MultiImgLoadAnnotations'))(results)
    assert results['img'][0].shape == (8, 8, 3)
    assert set(np.unique(results['gt_seg_map'])) == {0, 1}


def test_rsipac_unlabelled_test_split(tmp_path):
    root = str(tmp_path)
    write_split(root, 'test_AB', ('A', 'B', None), ['x'], '.tif', '')
    dataset = DATASETS.build(
        dict(type='RSIPAC_CD_Dataset', data_root=root, with_label=False,
             data_prefix=dict(img_path_from='test_AB/A',
                              img_path_to='test_AB/B')))
    assert dataset.get_data_info(0)['seg_map_path'] is None


def label_results(name, dataset, format_seg_map):
    return dict(seg_map_path=osp.join(LABELS, name),
                format_seg_map=format_seg_map,
                reduce_zero_label=dataset.reduce_zero_label,
                opencd_compat=dataset.opencd_compat, label_map=None,
                seg_fields=[])


# case of make_opencd_refs.LABEL_CASES -> our dataset, its arguments and
# the loader's
COMPAT_CASES = {
    'levir': ('LEVIR_CD_Dataset', {}, {}),
    'rsipac': ('RSIPAC_CD_Dataset', {}, {}),
    'levir_reduce': ('LEVIR_CD_Dataset', dict(reduce_zero_label=True), {}),
    'levir_cv2': ('LEVIR_CD_Dataset', {}, dict(imdecode_backend='cv2')),
}


@pytest.mark.parametrize('case', sorted(COMPAT_CASES))
@pytest.mark.parametrize('name', sorted(os.listdir(LABELS)))
def test_opencd_compat_reads_labels_as_open_cd(case, name):
    dataset_type, extra, load_args = COMPAT_CASES[case]
    dataset = DATASETS.build(
        dict(type=dataset_type, data_prefix={}, lazy_init=True,
             opencd_compat=True, **extra))
    loader = TRANSFORMS.build(dict(type='MultiImgLoadAnnotations',
                                   **load_args))
    got = loader(label_results(name, dataset, dataset.format_seg_map))
    np.testing.assert_array_equal(got['gt_seg_map'], REFS[f'{case}.{name}'])
    assert got['gt_seg_map'].dtype == np.uint8


@pytest.mark.parametrize('name', sorted(os.listdir(LABELS)))
def test_opencd_compat_without_format_seg_map(name):
    """open-cd's ``format_seg_map=None``: the grey values as they are."""
    dataset = DATASETS.build(dict(type='LEVIR_CD_Dataset', data_prefix={},
                                  lazy_init=True, opencd_compat=True))
    loader = TRANSFORMS.build(dict(type='MultiImgLoadAnnotations'))
    got = loader(label_results(name, dataset, None))
    np.testing.assert_array_equal(got['gt_seg_map'],
                                  REFS[f'levir_none.{name}'])


def test_default_rule_differs_from_open_cd_on_zero_one_labels():
    """open-cd reads a 0/1 label as all unchanged; the default rule keeps
    it, which is why opencd_compat is opt-in."""
    assert not REFS['levir.zero_one.png'].any()
    dataset = DATASETS.build(dict(type='LEVIR_CD_Dataset', data_prefix={},
                                  lazy_init=True))
    assert dataset.format_seg_map is None
    got = TRANSFORMS.build(dict(type='MultiImgLoadAnnotations'))(
        label_results('zero_one.png', dataset, None))
    raw = np.asarray(Image.open(osp.join(LABELS, 'zero_one.png')))
    np.testing.assert_array_equal(got['gt_seg_map'], raw)
    assert raw.any()


def test_opencd_defaults_per_dataset():
    expected = {
        'LEVIR_CD_Dataset': 'to_binary',
        'JL1_CD_Dataset': 'to_binary',
        'CLCD_Dataset': 'to_binary',
        'RSIPAC_CD_Dataset': None,
        'DSIFN_Dataset': None,
    }
    for name, format_seg_map in expected.items():
        dataset = DATASETS.build(dict(type=name, data_prefix={},
                                      lazy_init=True, opencd_compat=True))
        assert dataset.format_seg_map == format_seg_map, name


def test_reduce_zero_label_must_agree_with_the_dataset():
    dataset = DATASETS.build(dict(type='LEVIR_CD_Dataset', data_prefix={},
                                  lazy_init=True, opencd_compat=True))
    loader = TRANSFORMS.build(dict(type='MultiImgLoadAnnotations',
                                   reduce_zero_label=True))
    with pytest.raises(ValueError, match='set it in the dataset config'):
        loader(label_results('zero_255.png', dataset, 'to_binary'))
