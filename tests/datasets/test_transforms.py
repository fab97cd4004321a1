"""The pair transforms keep A, B and the label aligned."""
import numpy as np
import pytest
import torch

from changefine_mm.registry import TRANSFORMS


def aligned_sample(size=(48, 64), seed=0):
    """A pair whose label can be recomputed from the pixels.

    A's red channel is random; the label is 1 where it is > 127 and B is
    the negative of A. Any geometric transform that keeps the three
    aligned keeps ``label == (A_red > 127)`` and ``B == 255 - A``.
    """
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (size[0] // 8, size[1] // 8, 3),
                          dtype=np.uint8)
    image_a = np.kron(blocks, np.ones((8, 8, 1), np.uint8))
    label = (image_a[..., 2] > 127).astype(np.uint8)  # BGR: red is last
    return dict(img=[image_a, 255 - image_a], gt_seg_map=label,
                seg_fields=['gt_seg_map'], img_shape=size, ori_shape=size)


def agreement(results):
    image_a, image_b = (img.astype(np.int16) for img in results['img'])
    label = results['gt_seg_map']
    valid = label != 255
    label_ok = (label == (image_a[..., 2] > 127))[valid].mean()
    b_ok = (np.abs(image_b + image_a - 255) <= 1)[valid].mean()
    return label_ok, b_ok, valid.mean()


@pytest.mark.parametrize('cfg', [
    dict(type='MultiImgRandomCrop', crop_size=(24, 32), cat_max_ratio=0.75),
    dict(type='MultiImgRandomFlip', prob=1.0, direction='horizontal'),
    dict(type='MultiImgRandomFlip', prob=1.0, direction='vertical'),
    dict(type='MultiImgRandomFlip', prob=1.0,
         direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='MultiImgRandomRotFlip', rotate_prob=0.0, flip_prob=1.0),
    dict(type='MultiImgPad', size_divisor=40, seg_pad_val=255, pad_val=0),
])
def test_exact_geometric_ops_keep_alignment(cfg):
    transform = TRANSFORMS.build(cfg)
    for seed in range(5):
        np.random.seed(seed)
        sample = aligned_sample(seed=seed)
        out = transform(sample)
        label_ok, b_ok, valid = agreement(out)
        assert label_ok == 1.0 and valid > 0
        if cfg['type'] != 'MultiImgPad':
            assert b_ok == 1.0
        assert out['img'][0].shape[:2] == out['gt_seg_map'].shape


@pytest.mark.parametrize('cfg', [
    dict(type='MultiImgRandomRotate', prob=1.0, degree=30),
    dict(type='MultiImgRandomRotFlip', rotate_prob=1.0, degree=(-20, 20)),
    dict(type='MultiImgResize', scale=(80, 60), keep_ratio=False),
])
def test_interpolating_ops_keep_alignment(cfg):
    transform = TRANSFORMS.build(cfg)
    np.random.seed(1)
    out = transform(aligned_sample())
    label_ok, b_ok, valid = agreement(out)
    # Block edges blur under bilinear interpolation; the blocks agree.
    assert label_ok > 0.9 and b_ok > 0.8 and valid > 0.5
    assert set(np.unique(out['gt_seg_map'])) <= {0, 1, 255}


def test_rotation_moves_dates_and_label_by_one_angle():
    transform = TRANSFORMS.build(
        dict(type='MultiImgRandomRotate', prob=1.0, degree=(90, 90)))
    sample = aligned_sample(size=(32, 32))
    # mmcv rotates clockwise for positive angles.
    expected = np.rot90(sample['gt_seg_map'], k=-1)
    out = transform(sample)
    np.testing.assert_array_equal(out['gt_seg_map'], expected)
    np.testing.assert_array_equal(out['img'][1], 255 - out['img'][0])


def test_resize_keep_ratio_and_scale_factor():
    resize = TRANSFORMS.build(
        dict(type='MultiImgResize', scale=(128, 128), keep_ratio=True))
    out = resize(aligned_sample(size=(48, 64)))
    assert out['img'][0].shape[:2] == (96, 128)
    assert out['gt_seg_map'].shape == (96, 128)
    assert out['scale_factor'] == (2.0, 2.0)
    assert set(np.unique(out['gt_seg_map'])) <= {0, 1}


def test_crop_respects_cat_max_ratio():
    crop = TRANSFORMS.build(
        dict(type='MultiImgRandomCrop', crop_size=16, cat_max_ratio=0.75))
    sample = aligned_sample(size=(64, 64))
    sample['gt_seg_map'][:] = 0
    sample['gt_seg_map'][:24, :24] = 1  # only one corner holds two classes
    np.random.seed(0)
    hits = 0
    for _ in range(20):
        out = crop(dict(sample, img=list(sample['img'])))
        hits += out['gt_seg_map'].any() and not out['gt_seg_map'].all()
    # One draw overlaps the corner with p ~ 0.24; ten redraws make it ~0.93.
    assert hits >= 15


def test_exchange_time_swaps_dates_only():
    swap = TRANSFORMS.build(dict(type='MultiImgExchangeTime', prob=1.0))
    sample = aligned_sample()
    sample['img_path'] = ['a.png', 'b.png']
    image_a, image_b = sample['img']
    label = sample['gt_seg_map'].copy()
    out = swap(sample)
    assert out['img'][0] is image_b and out['img'][1] is image_a
    assert out['img_path'] == ['b.png', 'a.png']
    np.testing.assert_array_equal(out['gt_seg_map'], label)


def test_photometric_distortion_draws_per_date():
    distort = TRANSFORMS.build(
        dict(type='MultiImgPhotoMetricDistortion', brightness_delta=40))
    image = np.full((8, 8, 3), 120, np.uint8)
    different = 0
    np.random.seed(0)
    for _ in range(10):
        out = distort(dict(img=[image.copy(), image.copy()]))
        assert out['img'][0].dtype == np.uint8
        different += not np.array_equal(out['img'][0], out['img'][1])
    assert different >= 5


def test_normalize_and_pack():
    sample = aligned_sample(size=(16, 24))
    normalize = TRANSFORMS.build(
        dict(type='MultiImgNormalize', mean=[10, 20, 30], std=[2, 2, 2]))
    out = normalize(dict(sample, img=list(sample['img'])))
    expected_red = (sample['img'][0][..., 2].astype(np.float32) - 10) / 2
    np.testing.assert_allclose(out['img'][0][..., 0], expected_red)
    packed = TRANSFORMS.build(dict(type='MultiImgPackSegInputs'))(sample)
    assert packed['inputs'].shape == (6, 16, 24)
    assert packed['inputs'].dtype == torch.uint8
    torch.testing.assert_close(
        packed['inputs'][3:], torch.from_numpy(
            sample['img'][1].transpose(2, 0, 1).copy()))
    gt = packed['data_samples'].gt_sem_seg.data
    assert gt.shape == (1, 16, 24) and gt.dtype == torch.int64
    assert packed['data_samples'].ori_shape == (16, 24)


def test_invalid_settings_are_rejected():
    with pytest.raises(ValueError):
        TRANSFORMS.build(dict(type='MultiImgRandomFlip', prob=0.5,
                              direction='sideways'))
    with pytest.raises(ValueError):
        TRANSFORMS.build(dict(type='MultiImgResize'))
    with pytest.raises(ValueError):
        TRANSFORMS.build(dict(type='MultiImgPad'))
