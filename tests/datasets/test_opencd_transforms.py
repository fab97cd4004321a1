"""open-cd's transforms here give open-cd's outputs.

The references in ``data/opencd/`` come from open-cd's real transforms
(``data/opencd/make_opencd_refs.py``): the same seeded input and numpy
seed must give the same arrays, dtypes and shapes here.
"""
import json
import os.path as osp
import random
import sys
import types

import numpy as np
import pytest

from changefine_mm.registry import TRANSFORMS

DATA = osp.join(osp.dirname(__file__), 'data', 'opencd')
with open(osp.join(DATA, 'transforms.json')) as f:
    CASES = json.load(f)
REFS = np.load(osp.join(DATA, 'transforms.npz'))


def as_config(value):
    """JSON lists back to the tuples open-cd's configs hold."""
    if isinstance(value, dict):
        return {k: as_config(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [as_config(v) for v in value]
        return items if any(isinstance(v, tuple) for v in items) else tuple(
            items)
    return value


def results_of() -> dict:
    return dict(img=[REFS['img_a'].copy(), REFS['img_b'].copy()],
                gt_seg_map=REFS['label'].copy(), seg_fields=['gt_seg_map'],
                img_shape=REFS['img_a'].shape[:2],
                ori_shape=REFS['img_a'].shape[:2])


@pytest.mark.parametrize('name', sorted(CASES))
def test_transform_matches_open_cd(name):
    case = CASES[name]
    transform = TRANSFORMS.build(as_config(case['cfg']))
    np.random.seed(case['seed'])
    random.seed(case['seed'])
    out = transform(results_of())
    for key, got in (('img_a', out['img'][0]), ('img_b', out['img'][1]),
                     ('label', out['gt_seg_map'])):
        want = REFS[f'{name}.{key}']
        assert got.dtype == want.dtype, key
        np.testing.assert_array_equal(got, want, err_msg=key)
    assert np.random.rand() == case['next_draw'], 'random draws differ'
    meta = case['meta']
    # open-cd leaves img_shape stale after a rot90; ours is the truth.
    assert tuple(out['img_shape']) == out['img'][0].shape[:2]
    if 'scale' in meta:
        assert list(out['scale']) == meta['scale']
    if 'pad_shape' in meta:
        assert list(out['pad_shape'])[:2] == meta['pad_shape'][:2]


def test_cutout_reads_one_shape_given_as_a_list():
    as_list = TRANSFORMS.build(dict(type='MultiImgRandomCutOut', prob=1.0,
                                    n_holes=1, cutout_shape=[5, 4]))
    assert as_list.candidates == [(5, 4)]


def test_albu_keeps_no_module_reference(monkeypatch):
    """A module attribute would stop spawned dataloader workers from
    pickling the pipeline."""
    monkeypatch.setitem(sys.modules, 'albumentations', fake_albumentations())
    transform = TRANSFORMS.build(
        dict(type='MultiImgAlbu', transforms=[dict(type='HorizontalFlip',
                                                   p=1.0)]))
    assert not any(isinstance(v, types.ModuleType)
                   for v in vars(transform).values())


def test_cutout_changes_inputs_only_in_copies():
    results = results_of()
    before = results['img'][0].copy()
    TRANSFORMS.build(
        dict(type='MultiImgRandomCutOut', prob=1.0, n_holes=3,
             cutout_shape=(6, 6)))(results)
    assert not np.array_equal(results['img'][0], before)
    np.testing.assert_array_equal(REFS['img_a'], results_of()['img'][0])


def test_consistent_contrast_mode_shares_the_contrast_position():
    transform = TRANSFORMS.build(
        dict(type='MultiImgPhotoMetricDistortion',
             consistent_contrast_mode=True))
    seen = []
    original = transform._distort

    def spy(img, contrast_first=None):
        seen.append(contrast_first)
        return original(img, contrast_first)

    transform._distort = spy
    for seed in range(6):
        np.random.seed(seed)
        seen.clear()
        transform(results_of())
        assert seen[0] in (0, 1) and seen[0] == seen[1]


@pytest.mark.parametrize('cfg, message', [
    (dict(type='MultiImgPad'), 'size'),
    (dict(type='MultiImgPad', size=(8, 8), pad_to_square=True), 'square'),
    (dict(type='MultiImgPad', size=(8, 8), padding_mode='wrap'),
     'padding_mode'),
    (dict(type='MultiImgRerange', min_value=3, max_value=1), 'below'),
    (dict(type='MultiImgRandomCutOut', prob=1, n_holes=1), 'exactly one'),
    (dict(type='MultiImgRandomResize', scale=(8, 8)), 'ratio_range'),
    (dict(type='MultiImgResize', scale=8, backend='skimage'), 'backend'),
])
def test_bad_arguments_say_what_is_wrong(cfg, message):
    with pytest.raises(ValueError, match=message):
        TRANSFORMS.build(cfg)


def test_rgb2gray_names_the_weight_mismatch():
    results = results_of()
    with pytest.raises(ValueError, match='one weight per channel'):
        TRANSFORMS.build(dict(type='MultiImgRGB2Gray',
                              weights=(0.5, 0.5)))(results)


def test_rerange_refuses_a_constant_image():
    results = results_of()
    results['img'][1][:] = 7
    with pytest.raises(ValueError, match='constant'):
        TRANSFORMS.build(dict(type='MultiImgRerange'))(results)


def test_albu_without_albumentations_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'albumentations', None)
    with pytest.raises(ImportError, match='pip install albumentations'):
        TRANSFORMS.build(dict(type='MultiImgAlbu', transforms=[]))


def fake_albumentations() -> types.ModuleType:
    """A stand-in with one flip, enough to check the pair handling."""
    module = types.ModuleType('albumentations')

    class HorizontalFlip:

        def __init__(self, p):
            self.p = p

    class Compose:

        def __init__(self, transforms, additional_targets=None):
            self.transforms = transforms

        def __call__(self, image, mask):
            assert image.shape[2] == 6  # both dates in one draw
            return dict(image=image[:, ::-1], mask=mask[:, ::-1])

    module.HorizontalFlip = HorizontalFlip
    module.Compose = Compose
    return module


def test_albu_moves_both_dates_and_the_label_together(monkeypatch):
    monkeypatch.setitem(sys.modules, 'albumentations', fake_albumentations())
    transform = TRANSFORMS.build(
        dict(type='MultiImgAlbu', transforms=[dict(type='HorizontalFlip',
                                                   p=1.0)],
             update_pad_shape=True))
    out = transform(results_of())
    np.testing.assert_array_equal(out['img'][0], REFS['img_a'][:, ::-1])
    np.testing.assert_array_equal(out['img'][1], REFS['img_b'][:, ::-1])
    np.testing.assert_array_equal(out['gt_seg_map'], REFS['label'][:, ::-1])
    assert out['pad_shape'] == REFS['img_a'].shape[:2]
    with pytest.raises(ValueError, match='no transform'):
        TRANSFORMS.build(dict(type='MultiImgAlbu',
                              transforms=[dict(type='Nope')]))


def test_inferencer_loader_takes_paths_arrays_and_dicts(tmp_path):
    import cv2
    paths = []
    for key in ('img_a', 'img_b'):
        paths.append(str(tmp_path / f'{key}.png'))
        cv2.imwrite(paths[-1], REFS[key])
    loader = TRANSFORMS.build(dict(type='MultiImgLoadInferencerLoader'))
    from_paths = loader(paths)
    np.testing.assert_array_equal(from_paths['img'][1], REFS['img_b'])
    from_arrays = loader([REFS['img_a'], REFS['img_b']])
    np.testing.assert_array_equal(from_arrays['img'][0], REFS['img_a'])
    assert loader(dict(img_path=paths))['ori_shape'] == (20, 24)
    with pytest.raises(ValueError, match='one pair'):
        loader(paths * 2)
