"""Label rules that cannot zero out changes: grades under to_binary,
value_map hints that cover every value, value_map from --cfg-options."""
import argparse
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from mmengine.config import Config, DictAction
from PIL import Image
from test_cd_dataset import PREFIX, load, write_pair

from changefine_mm.datasets import CDDataset
from changefine_mm.datasets.transforms import LabelValueError
from changefine_mm.datasets.transforms.label_rules import (
    encode_binary_label, looks_like_classes, normalize_value_map)
from changefine_mm.registry import DATASETS
from conftest import tree_state


def xbd_label():
    """An xBD-style damage map: 0 background, 1 no damage, 2..4 damage."""
    label = np.zeros((8, 8), np.uint8)
    label[0:2, :] = 1
    label[2:4, :4] = 2
    label[4:6, :] = 3
    label[6:, :2] = 4
    return label


def proposed_maps(message):
    """Every ``value_map={...}`` the message proposes, as dicts."""
    return [eval(text) for text in re.findall(r'value_map=(\{[^}]*\})',
                                              message)]


def test_to_binary_refuses_damage_grades(tmp_path):
    write_pair(str(tmp_path), 'grades', label=xbd_label())
    before = tree_state(str(tmp_path))
    dataset = CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                        format_seg_map='to_binary')
    with pytest.raises(LabelValueError) as err:
        load(dataset)
    message = str(err.value)
    assert osp.join('label', 'grades.png') in message
    assert 'class indices or grades' in message and 'value_map' in message
    maps = proposed_maps(message)
    assert maps and all(set(m) == {0, 1, 2, 3, 4} for m in maps)
    assert {0: 0, 1: 0, 2: 1, 3: 1, 4: 1} in maps  # the xBD recipe
    assert 'docs/datasets.md' in message
    assert tree_state(str(tmp_path)) == before


def test_strict_rule_does_not_recommend_to_binary_for_grades(tmp_path):
    write_pair(str(tmp_path), 'grades', label=xbd_label())
    dataset = CDDataset(data_root=str(tmp_path), data_prefix=PREFIX)
    with pytest.raises(LabelValueError) as err:
        load(dataset)
    message = str(err.value)
    assert 'grades.png' in message and 'to_binary' not in message
    assert {0: 0, 1: 0, 2: 1, 3: 1, 4: 1} in proposed_maps(message)


def test_xbd_recipe_keeps_every_damaged_pixel(tmp_path):
    label = xbd_label()
    write_pair(str(tmp_path), 'grades', label=label)
    dataset = CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                        value_map={0: 0, 1: 0, 2: 1, 3: 1, 4: 1})
    np.testing.assert_array_equal(load(dataset)['gt_seg_map'], label >= 2)


@pytest.mark.parametrize('values', [[0, 1, 7, 9], [0, 255, 3, 200],
                                    [0, 1, 255]])
def test_strict_rule_hints_cover_every_value(values):
    raw = np.array(values, np.uint8).reshape(1, -1)
    with pytest.raises(LabelValueError) as err:
        encode_binary_label(raw, 'label/odd.png')
    message = str(err.value)
    assert 'label/odd.png' in message and 'value_map' in message
    maps = proposed_maps(message)
    assert maps and all(set(m) == set(values) for m in maps)
    for value_map in maps:  # each proposal makes the file pass
        out = encode_binary_label(raw, 'label/odd.png', value_map=value_map)
        assert set(out.ravel().tolist()) <= {0, 1, 255}


def test_hint_keeps_the_given_value_map():
    raw = np.array([[0, 1, 7, 255]], np.uint8)
    with pytest.raises(LabelValueError) as err:
        encode_binary_label(raw, 'x.png', value_map={255: 255})
    assert all(m[255] == 255 and set(m) == {0, 1, 7, 255}
               for m in proposed_maps(str(err.value)))


def test_to_binary_still_reads_jpeg_labels(tmp_path):
    """JPEG-blurred 0/255 masks with changes are thresholded as before."""
    rng = np.random.default_rng(0)
    for quality in (50, 75, 95, 100):
        for _ in range(10):
            truth = np.zeros((32, 32), np.uint8)
            y, x = rng.integers(0, 28, 2)
            truth[y:y + 4, x:x + 5] = 255
            ok, data = cv2.imencode('.jpg', truth,
                                    [cv2.IMWRITE_JPEG_QUALITY, quality])
            blurred = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
            assert not looks_like_classes(np.unique(blurred).tolist())
            out = encode_binary_label(blurred, 'l.jpg', 'to_binary')
            assert (out == (blurred >= 128)).all() and out.any()


def cfg_options(*pairs):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *pairs]).cfg_options


@pytest.mark.parametrize('options', [
    ('dataset.value_map.0=0', 'dataset.value_map.1=0',
     'dataset.value_map.2=1', 'dataset.value_map.3=1',
     'dataset.value_map.4=1'),
    ('dataset.value_map={0:0,1:0,2:1,3:1,4:1}', ),
    ('dataset.value_map={0: 0, 1: 0, 2: 1, 3: 1, 4: 1}', ),
])
def test_value_map_from_cfg_options(tmp_path, options):
    write_pair(str(tmp_path), 'grades', label=xbd_label())
    cfg = Config(dict(dataset=dict(type='CDDataset', data_root=str(tmp_path),
                                   data_prefix=PREFIX)))
    cfg.merge_from_dict(cfg_options(*options))
    dataset = DATASETS.build(cfg.dataset)
    assert dataset.value_map == {0: 0, 1: 0, 2: 1, 3: 1, 4: 1}
    np.testing.assert_array_equal(load(dataset)['gt_seg_map'],
                                  xbd_label() >= 2)


def test_value_map_keys_and_values_as_strings():
    assert normalize_value_map({'2': '1', ' 255 ': 255}) == {2: 1, 255: 255}
    assert normalize_value_map("{'2': 1}") == {2: 1}


@pytest.mark.parametrize('value_map, wrong', [
    ({'two': 1}, "'two'"),
    ('{2: ', '{2:'),
    ({2: 1.5}, '1.5'),
    ([2, 1], 'list'),
])
def test_bad_value_map_is_named(value_map, wrong):
    with pytest.raises(LabelValueError, match='value_map') as err:
        normalize_value_map(value_map)
    assert wrong in str(err.value)


def test_value_map_to_an_unknown_class_is_refused(tmp_path):
    write_pair(str(tmp_path), 'a')
    with pytest.raises(LabelValueError,
                       match=r'value_map=\{3: 7\} maps \{3: 7\}.*'
                       r'ignore_index \(255\)'):
        CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                  value_map={'3': '7'})


def test_palette_grades_are_read_by_index(tmp_path):
    """A palette label of grades is refused like a grey one."""
    write_pair(str(tmp_path), 'p')
    image = Image.fromarray(xbd_label(), mode='P')
    image.putpalette([0, 0, 0, 255, 255, 255] * 3 + [0] * 750)
    image.save(osp.join(str(tmp_path), 'label', 'p.png'))
    dataset = CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                        format_seg_map='to_binary')
    with pytest.raises(LabelValueError, match=r'p\.png.*grades'):
        load(dataset)
