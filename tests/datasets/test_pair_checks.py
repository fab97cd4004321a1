"""Fail fast: every pair is checked when the dataset starts, all problems
are reported at once, bad pairs can be skipped."""
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image
from test_cd_dataset import PREFIX, write_pair

import changefine_mm.datasets.cd_dataset as cd_dataset
from changefine_mm.datasets import CDDataset, DatasetLayoutError, pair_checks
from conftest import tree_state


@pytest.fixture
def bad_root(tmp_path):
    """Twelve pairs; the 3rd, 8th and 11th are broken, each differently."""
    root = str(tmp_path)
    for i in range(12):
        write_pair(root, f'p{i:02d}')
    cv2.imwrite(osp.join(root, 'B', 'p02.png'), np.zeros((9, 8, 3),
                                                         np.uint8))
    (tmp_path / 'A' / 'p07.png').write_bytes(b'truncated')
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(
        osp.join(root, 'label', 'p10.png'))
    return root


def test_all_problems_in_one_error_before_any_pair_loads(bad_root):
    before = tree_state(bad_root)
    with pytest.raises(DatasetLayoutError) as err:
        CDDataset(data_root=bad_root, data_prefix=PREFIX)
    message = str(err.value)
    assert '3 of 12 pair(s) cannot be used' in message
    assert f'{osp.join(bad_root, "B", "p02.png")} is 8x9' in message
    assert osp.join(bad_root, 'A', 'p07.png') + ': cannot read' in message
    assert f'{osp.join(bad_root, "label", "p10.png")} is 4x4' in message
    assert "on_bad_pair='skip'" in message and 'check_pairs=False' in message
    assert tree_state(bad_root) == before


def test_skip_leaves_bad_pairs_out_and_logs_them(bad_root, monkeypatch):
    logged = []
    monkeypatch.setattr(cd_dataset, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    dataset = CDDataset(data_root=bad_root, data_prefix=PREFIX,
                        on_bad_pair='skip')
    names = [dataset.get_data_info(i)['pair_name']
             for i in range(len(dataset))]
    assert len(dataset) == 9
    assert not {'p02.png', 'p07.png', 'p10.png'} & set(names)
    assert len(logged) == 1
    assert "3 of 12 pair(s) left out (on_bad_pair='skip')" in logged[0]
    for name in ('B/p02.png', 'A/p07.png', 'label/p10.png'):
        assert osp.join(bad_root, *name.split('/')) in logged[0]


def test_skip_with_no_good_pair_left_is_an_error(tmp_path):
    write_pair(str(tmp_path), 'only', label=np.zeros((3, 3), np.uint8))
    with pytest.raises(DatasetLayoutError,
                       match=r'(?s)no pair is left.*1 of 1 pair.*only\.png'):
        CDDataset(data_root=str(tmp_path), data_prefix=PREFIX,
                  on_bad_pair='skip')


def test_lazy_init_checks_at_full_init(bad_root):
    dataset = CDDataset(data_root=bad_root, data_prefix=PREFIX,
                        lazy_init=True)
    with pytest.raises(DatasetLayoutError, match='3 of 12'):
        dataset.full_init()


def test_check_pairs_false_does_not_check(bad_root):
    assert len(CDDataset(data_root=bad_root, data_prefix=PREFIX,
                         check_pairs=False)) == 12


def test_bands_and_dtype_must_match(tmp_path):
    root = str(tmp_path)
    write_pair(root, 'deep')
    cv2.imwrite(osp.join(root, 'B', 'deep.png'),
                np.zeros((8, 8), np.uint16))
    write_pair(root, 'grey')  # 8-bit grey next to RGB: read as 3 bands
    cv2.imwrite(osp.join(root, 'A', 'grey.png'), np.zeros((8, 8), np.uint8))
    with pytest.raises(DatasetLayoutError) as err:
        CDDataset(data_root=root, data_prefix=PREFIX)
    message = str(err.value)
    assert '1 of 2 pair(s)' in message
    assert (f'band counts differ: {osp.join(root, "A", "deep.png")} has 3, '
            f'{osp.join(root, "B", "deep.png")} has 1') in message
    assert 'data types differ' in message and 'uint16' in message


def test_label_values_on_request_with_one_covering_value_map(tmp_path):
    root = str(tmp_path)
    for name, odd in (('a', 2), ('b', 3), ('c', None)):
        label = np.zeros((8, 8), np.uint8)
        label[:2] = 1
        if odd is not None:
            label[4:, :] = odd
        write_pair(root, name, label=label)
    assert len(CDDataset(data_root=root, data_prefix=PREFIX)) == 3
    with pytest.raises(DatasetLayoutError) as err:
        CDDataset(data_root=root, data_prefix=PREFIX, check_labels=True)
    message = str(err.value)
    assert '2 of 3 pair(s)' in message
    assert f'{osp.join(root, "label", "a.png")}: values 2 fit' in message
    assert f'{osp.join(root, "label", "b.png")}: values 3 fit' in message
    assert 'value_map={0: 0, 1: 1, 2: 255, 3: 255}' in message
    fixed = CDDataset(data_root=root, data_prefix=PREFIX, check_labels=True,
                      value_map={2: 1, 3: 1})
    assert len(fixed) == 3


def test_only_headers_are_read_without_check_labels(bad_root, monkeypatch):
    """No pixel is decoded at start unless check_labels asks for it."""
    def refuse(*args, **kwargs):
        raise AssertionError('pixels decoded during the header check')
    monkeypatch.setattr(cv2, 'imread', refuse)
    monkeypatch.setattr(cv2, 'imdecode', refuse)
    monkeypatch.setattr(pair_checks, 'read_label_image', refuse)
    dataset = CDDataset(data_root=bad_root, data_prefix=PREFIX,
                        on_bad_pair='skip')
    assert len(dataset) == 9


def test_remote_pairs_are_not_checked():
    remote = dict(img_path=['s3://bucket/A/x.png', 's3://bucket/B/x.png'],
                  seg_map_path='s3://bucket/label/x.png')
    assert not pair_checks.check_pairs([remote], check_labels=True,
                                       progress=False).by_index
