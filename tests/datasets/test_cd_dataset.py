"""CDDataset sources, label rules, named datasets and bad input."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image

from changefine_mm.datasets import (CDDataset, CDDDataset, DatasetLayoutError,
                                    DSIFNDataset, LEVIRCDDataset,
                                    S2LookingDataset, SYSUCDDataset,
                                    WHUCDDataset)
from changefine_mm.datasets.transforms import (ImagePairError,
                                               LabelValueError,
                                               MultiImgLoadAnnotations,
                                               MultiImgLoadImageFromFile)
from changefine_mm.registry import DATASETS
from conftest import realcd_path

PREFIX = dict(img_path_from='A', img_path_to='B', seg_map_path='label')


def write_pair(root, name, size=(8, 8), label=None,
               folders=('A', 'B', 'label'), img_ext='.png',
               label_ext='.png'):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    for folder in folders[:2]:
        os.makedirs(osp.join(root, folder), exist_ok=True)
        image = rng.integers(0, 255, size + (3, ), dtype=np.uint8)
        cv2.imwrite(osp.join(root, folder, name + img_ext), image)
    os.makedirs(osp.join(root, folders[2]), exist_ok=True)
    if label is None:
        label = np.zeros(size, np.uint8)
        label[:2, :3] = 255
    Image.fromarray(label).save(osp.join(root, folders[2], name + label_ext))


def load(dataset, index=0):
    """Run the two loading transforms on one data_info."""
    results = dataset.get_data_info(index)
    results = MultiImgLoadImageFromFile()(results)
    return MultiImgLoadAnnotations()(results)


def test_folder_source_pairs_by_name(tmp_path):
    for name in ('b', 'a', 'c'):
        write_pair(str(tmp_path), name)
    dataset = CDDataset(data_root=str(tmp_path), data_prefix=PREFIX)
    assert len(dataset) == 3
    info = dataset.get_data_info(0)
    assert info['img_path'] == [
        osp.join(str(tmp_path), 'A', 'a.png'),
        osp.join(str(tmp_path), 'B', 'a.png')
    ]
    assert info['seg_map_path'].endswith(osp.join('label', 'a.png'))
    assert dataset.metainfo['classes'] == ('unchanged', 'changed')


def test_stem_list_source(tmp_path):
    for name in ('x1', 'x2', 'x3'):
        write_pair(str(tmp_path), name)
    (tmp_path / 'few_shot.txt').write_text('x3\n\nx1\n')
    dataset = CDDataset(
        data_root=str(tmp_path), ann_file='few_shot.txt', data_prefix=PREFIX)
    stems = [
        osp.basename(dataset.get_data_info(i)['seg_map_path'])
        for i in range(len(dataset))
    ]
    assert stems == ['x3.png', 'x1.png']


def test_path_triplet_source_any_whitespace(tmp_path):
    write_pair(str(tmp_path), 'p')
    write_pair(str(tmp_path), 'q')
    absolute_a = osp.join(str(tmp_path), 'A', 'q.png')
    (tmp_path / 'list.txt').write_text(
        'A/p.png B/p.png\tlabel/p.png\n'
        f'{absolute_a}   B/q.png label/q.png\n')
    dataset = CDDataset(data_root=str(tmp_path), ann_file='list.txt')
    assert len(dataset) == 2
    assert dataset.get_data_info(1)['img_path'][0] == absolute_a
    assert load(dataset, 0)['gt_seg_map'].max() == 1


def test_changefine_json_source(tmp_path):
    write_pair(str(tmp_path), 'j')
    content = dict(images=[
        dict(id=0, width=8, height=8, oldpath='A\\j.png',
             newpath='B\\j.png', labelpath='label\\j.png')
    ], annotations=[], categories='unknown')
    (tmp_path / 'train.json').write_text(json.dumps(content))
    dataset = CDDataset(data_root=str(tmp_path), ann_file='train.json')
    info = dataset.get_data_info(0)
    assert info['img_path'][1] == osp.join(str(tmp_path), 'B', 'j.png')


@pytest.mark.parametrize('encoding', ['0/255', '0/1', 'palette', 'rgb',
                                      'binary_mode'])
def test_label_encodings_become_zero_one(tmp_path, encoding):
    truth = np.zeros((8, 8), np.uint8)
    truth[3:6, 1:7] = 1
    write_pair(str(tmp_path), 'e')
    path = osp.join(str(tmp_path), 'label', 'e.png')
    if encoding == '0/255':
        Image.fromarray(truth * 255).save(path)
    elif encoding == '0/1':
        Image.fromarray(truth).save(path)
    elif encoding == 'palette':
        image = Image.fromarray(truth, mode='P')
        image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
        image.save(path)
    elif encoding == 'rgb':
        Image.fromarray(np.repeat(truth[..., None] * 255, 3, 2)).save(path)
    else:
        Image.fromarray(truth.astype(bool)).save(path)
    dataset = CDDataset(data_root=str(tmp_path), data_prefix=PREFIX)
    np.testing.assert_array_equal(load(dataset)['gt_seg_map'], truth)


def test_unexpected_label_values_name_the_file(tmp_path):
    label = np.zeros((8, 8), np.uint8)
    label[0, 0] = 7
    write_pair(str(tmp_path), 'bad', label=label)
    dataset = CDDataset(data_root=str(tmp_path), data_prefix=PREFIX)
    with pytest.raises(LabelValueError, match=r'bad\.png.*values 7'):
        load(dataset)


def test_mixed_one_and_255_needs_value_map(tmp_path):
    label = np.array([[0, 1], [255, 1]], np.uint8)
    write_pair(str(tmp_path), 'm', size=(2, 2), label=label)
    with pytest.raises(LabelValueError, match='both 1 and 255'):
        load(CDDataset(data_root=str(tmp_path), data_prefix=PREFIX))
    mapped = CDDataset(
        data_root=str(tmp_path), data_prefix=PREFIX, value_map={255: 255})
    np.testing.assert_array_equal(
        load(mapped)['gt_seg_map'], [[0, 1], [255, 1]])


def test_colour_label_is_rejected(tmp_path):
    write_pair(str(tmp_path), 'c')
    colour = np.zeros((8, 8, 3), np.uint8)
    colour[0, 0] = (255, 0, 0)
    Image.fromarray(colour).save(osp.join(str(tmp_path), 'label', 'c.png'))
    with pytest.raises(LabelValueError, match='channels differ'):
        load(CDDataset(data_root=str(tmp_path), data_prefix=PREFIX))


def test_to_binary_thresholds_lossy_labels(tmp_path):
    label = np.array([[0, 3], [130, 250]], np.uint8)
    write_pair(str(tmp_path), 'j', size=(2, 2), label=label)
    dataset = CDDataset(
        data_root=str(tmp_path), data_prefix=PREFIX,
        format_seg_map='to_binary')
    np.testing.assert_array_equal(load(dataset)['gt_seg_map'],
                                  [[0, 0], [1, 1]])


def test_grayscale_and_rgba_images_become_three_channels(tmp_path):
    write_pair(str(tmp_path), 'g')
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8)
    Image.fromarray(grey).save(osp.join(str(tmp_path), 'A', 'g.png'))
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 10
    Image.fromarray(rgba).save(osp.join(str(tmp_path), 'B', 'g.png'))
    images = load(CDDataset(data_root=str(tmp_path),
                            data_prefix=PREFIX))['img']
    assert images[0].shape == images[1].shape == (8, 8, 3)
    assert (images[0][..., 0] == grey).all()
    assert (images[1][..., 2] == 200).all()  # BGR order, alpha dropped


def test_size_mismatch_names_both_files(tmp_path):
    write_pair(str(tmp_path), 's')
    cv2.imwrite(osp.join(str(tmp_path), 'B', 's.png'),
                np.zeros((9, 8, 3), np.uint8))
    # The loader's own check (the dataset's start check is tested in
    # test_pair_checks.py).
    with pytest.raises(ImagePairError, match=r'A/s\.png is 8x8.*B/s\.png is '
                       r'8x9'):
        load(CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                       check_pairs=False))


def test_label_size_mismatch(tmp_path):
    write_pair(str(tmp_path), 'l', label=np.zeros((4, 4), np.uint8))
    with pytest.raises(ImagePairError, match=r'label.*l\.png is 4x4'):
        load(CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                       check_pairs=False))


def test_unmatched_names_are_listed(tmp_path):
    write_pair(str(tmp_path), 'ok')
    write_pair(str(tmp_path), 'lonely')
    os.remove(osp.join(str(tmp_path), 'B', 'lonely.png'))
    with pytest.raises(DatasetLayoutError, match=r'without a partner.*'
                       r'lonely\.png'):
        CDDataset(data_root=str(tmp_path), data_prefix=PREFIX)
    write_pair(str(tmp_path), 'lonely')
    os.remove(osp.join(str(tmp_path), 'label', 'ok.png'))
    with pytest.raises(DatasetLayoutError, match=r'without a label.*ok\.png'):
        CDDataset(data_root=str(tmp_path), data_prefix=PREFIX)


def test_corrupt_image_names_the_file(tmp_path):
    write_pair(str(tmp_path), 'broken')
    (tmp_path / 'A' / 'broken.png').write_bytes(b'not a png at all')
    with pytest.raises(OSError, match=r'broken\.png.*corrupt'):
        load(CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                       check_pairs=False))


def test_empty_and_mistyped_folders(tmp_path):
    for folder in ('A', 'B', 'label'):
        os.makedirs(tmp_path / folder)
    with pytest.raises(DatasetLayoutError, match='no image pairs found'):
        CDDataset(data_root=str(tmp_path), data_prefix=PREFIX)
    with pytest.raises(DatasetLayoutError, match=r'does not exist: .*Typo'):
        CDDataset(
            data_root=str(tmp_path),
            data_prefix=dict(PREFIX, img_path_from='Typo'))
    with pytest.raises(DatasetLayoutError, match=r'missing\.txt'):
        CDDataset(data_root=str(tmp_path), ann_file='missing.txt',
                  data_prefix=PREFIX)


def test_stem_list_with_missing_files(tmp_path):
    write_pair(str(tmp_path), 'here')
    (tmp_path / 'split.txt').write_text('here\nghost\n')
    with pytest.raises(DatasetLayoutError, match=r'ghost\.png'):
        CDDataset(data_root=str(tmp_path), ann_file='split.txt',
                  data_prefix=PREFIX)


@pytest.mark.parametrize('cls, folders, img_ext, label_ext', [
    (LEVIRCDDataset, ('A', 'B', 'label'), '.png', '.png'),
    (WHUCDDataset, ('A', 'B', 'label'), '.tif', '.tif'),
    (SYSUCDDataset, ('time1', 'time2', 'label'), '.png', '.png'),
    (DSIFNDataset, ('t1', 't2', 'mask'), '.jpg', '.png'),
    (CDDDataset, ('A', 'B', 'OUT'), '.jpg', '.jpg'),
    (S2LookingDataset, ('Image1', 'Image2', 'label'), '.png', '.png'),
])
def test_named_datasets_know_their_layout(tmp_path, cls, folders, img_ext,
                                          label_ext):
    split_root = str(tmp_path / 'train')
    write_pair(split_root, 'n', folders=folders, img_ext=img_ext,
               label_ext=label_ext)
    dataset = cls(data_root=str(tmp_path), split='train')
    assert len(dataset) == 1
    label = load(dataset)['gt_seg_map']
    assert set(np.unique(label)) <= {0, 1}
    assert label.sum() > 0


def test_open_cd_names_resolve_to_our_classes():
    assert DATASETS.get('LEVIR_CD_Dataset') is LEVIRCDDataset
    assert DATASETS.get('SVCD_Dataset') is CDDDataset


def test_real_levir_samples_load_as_binary():
    root = realcd_path('levir_cd_256')
    dataset = LEVIRCDDataset(data_root=root, data_prefix=PREFIX)
    assert len(dataset) == 11
    changed = 0
    for i in range(len(dataset)):
        results = load(dataset, i)
        assert results['img'][0].shape == (256, 256, 3)
        assert set(np.unique(results['gt_seg_map'])) <= {0, 1}
        changed += int(results['gt_seg_map'].any())
    assert changed == 10  # the README says one label is all zero
