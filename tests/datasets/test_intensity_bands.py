"""open-cd's intensity transforms (Rerange, CLAHE, RGB2Gray, AdjustGamma,
Albu) on multi-band, 16-bit and float pairs.

What works is checked against the definition (OpenCV's CLAHE per band,
the gamma power law, the weighted band sum, the linear stretch); what
cannot work must be refused by a ValueError naming the transform, the
dtype and the band count, never cut to 8 bits in silence as open-cd's
casts would.
"""
import sys
import types

import cv2
import mmcv
import numpy as np
import pytest

from changefine_mm.registry import TRANSFORMS

SIZE = 16


def pair(dtype, bands: int, high: float, img_scaled=None) -> dict:
    rng = np.random.default_rng(bands)
    images = [(rng.random((SIZE, SIZE, bands)) * high).astype(dtype)
              for _ in range(2)]
    return dict(img=images, gt_seg_map=np.zeros((SIZE, SIZE), np.uint8),
                img_shape=(SIZE, SIZE), img_scaled=img_scaled)


def build(type_: str, **kwargs):
    return TRANSFORMS.build(dict(type=type_, **kwargs))


def per_band(img: np.ndarray, function) -> np.ndarray:
    return np.stack([function(img[..., c]) for c in range(img.shape[2])],
                    axis=2)


def test_13_band_8_bit_pair():
    results = pair(np.uint8, 13, 256)
    before = [i.copy() for i in results['img']]
    clahe = build('MultiImgCLAHE')(dict(results, img=list(before)))
    for got, img in zip(clahe['img'], before):
        want = per_band(img, lambda band: mmcv.clahe(band, 40.0, (8, 8)))
        np.testing.assert_array_equal(got, want)
    gamma = build('MultiImgAdjustGamma', gamma=1.7)
    out = gamma(dict(results, img=list(before)))
    np.testing.assert_array_equal(out['img'][1], gamma.table[before[1]])
    gray = build('MultiImgRGB2Gray', weights=[1 / 13] * 13)(
        dict(results, img=list(before)))['img'][0]
    assert gray.shape == (SIZE, SIZE, 13) and gray.dtype == np.float64
    np.testing.assert_allclose(gray[..., 5], before[0].mean(2), rtol=1e-12)


def test_16_bit_pair_keeps_16_bit_levels():
    results = pair(np.uint16, 4, 65536)
    before = [i.copy() for i in results['img']]
    out = build('MultiImgCLAHE', clip_limit=2.0, tile_grid_size=(4, 4))(
        dict(results, img=list(before)))['img'][0]
    clahe = cv2.createCLAHE(2.0, (4, 4))
    want = per_band(before[0], lambda band: clahe.apply(
        np.ascontiguousarray(band)))
    assert out.dtype == np.uint16 and out.max() > 255
    np.testing.assert_array_equal(out, want)
    gamma = build('MultiImgAdjustGamma', gamma=2.0)(
        dict(results, img=list(before)))['img'][1]
    assert gamma.dtype == np.uint16
    want = (before[1] / 65535.)**0.5 * 65535.
    assert np.abs(gamma - want).max() < 1
    rerange = build('MultiImgRerange')(
        dict(results, img=list(before)))['img'][0]
    low, high = before[0].min(), before[0].max()
    np.testing.assert_allclose(
        rerange, (before[0] - float(low)) / float(high - low) * 255)
    gray = build('MultiImgRGB2Gray', out_channels=1,
                 weights=(0.1, 0.2, 0.3, 0.4))(
                     dict(results, img=list(before)))['img'][1]
    np.testing.assert_allclose(
        gray[..., 0], before[1].astype(np.float64) @ [0.1, 0.2, 0.3, 0.4])


def test_float_pair_of_8_bit_data_gets_open_cds_levels():
    """After Rerange (float64 of an 8-bit source) open-cd cuts to 8-bit
    levels: CLAHE keeps the float dtype, AdjustGamma gives uint8."""
    results = build('MultiImgRerange')(pair(np.uint8, 3, 256))
    floats = [i.copy() for i in results['img']]
    gamma = build('MultiImgAdjustGamma', gamma=1.7)
    out = gamma(dict(results, img=list(floats)))['img'][0]
    np.testing.assert_array_equal(out, gamma.table[floats[0].astype(
        np.uint8)])
    out = build('MultiImgCLAHE')(dict(results, img=list(floats)))['img'][0]
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, per_band(
        floats[0].astype(np.uint8),
        lambda band: mmcv.clahe(band, 40.0, (8, 8))))


def test_scaled_float_pair_stays_float():
    results = pair(np.float32, 5, 255, img_scaled='percentile')
    before = [i.copy() for i in results['img']]
    out = build('MultiImgCLAHE')(dict(results, img=list(before)))['img'][0]
    assert out.dtype == np.float32
    want = per_band(before[0].astype(np.uint8),
                    lambda band: mmcv.clahe(band, 40.0, (8, 8)))
    np.testing.assert_array_equal(out, want)
    gamma = build('MultiImgAdjustGamma', gamma=1.7)
    out = gamma(dict(results, img=list(before)))['img'][0]
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 255 * (before[0] / 255)**(1 / 1.7),
                               rtol=1e-5)
    # On whole levels, within the truncation of open-cd's 8-bit table.
    levels = np.floor(before[0])
    out = gamma(dict(results, img=[levels, levels]))['img'][0]
    table = gamma.table[levels.astype(np.uint8)]
    assert np.all((out - table >= 0) & (out - table < 1))


@pytest.mark.parametrize('name', ['MultiImgCLAHE', 'MultiImgAdjustGamma'])
@pytest.mark.parametrize('dtype, high, img_scaled, found', [
    (np.float32, 3000, 'raw', r"unscaled float32 images \(scale type='raw'"),
    (np.float32, 3000, None, r'float32 images in [0-9.]+\.\.2999'),
    (np.int32, 3000, None, 'int32 images'),
])
def test_levels_it_cannot_use_are_refused_by_name(name, dtype, high,
                                                  img_scaled, found):
    results = pair(dtype, 13, high, img_scaled)
    with pytest.raises(ValueError, match=f'{name} works on .*{found}.* '
                       'with 13 bands; give the loader a pixel scaling'):
        build(name)(results)


def test_loaded_16_bit_pair_through_the_pipeline():
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 4096, (SIZE, SIZE, 13), dtype=np.uint16)
              for _ in range(2)]
    steps = [dict(type='MultiImgCLAHE'),
             dict(type='MultiImgAdjustGamma', gamma=1.5)]
    scaled = build('MultiImgLoadImageFromNDArray',
                   scale=dict(type='percentile'))(dict(img=list(arrays)))
    for step in steps:
        scaled = TRANSFORMS.build(step)(scaled)
    assert scaled['img'][0].dtype == np.float32
    assert scaled['img'][0].shape == (SIZE, SIZE, 13)
    raw = build('MultiImgLoadImageFromNDArray',
                scale=dict(type='raw'))(dict(img=list(arrays)))
    with pytest.raises(ValueError, match="MultiImgCLAHE .*'raw'"):
        TRANSFORMS.build(steps[0])(raw)


def fake_albumentations() -> types.ModuleType:
    """albumentations' class layout: pixel-level transforms derive from
    ImageOnlyTransform; colour ones refuse a stacked (6-channel) pair with
    albumentations' own TypeError."""
    module = types.ModuleType('albumentations')

    class ImageOnlyTransform:

        def __init__(self, p=0.5):
            self.p = p

    class DualTransform:

        def __init__(self, p=0.5):
            self.p = p

    class HorizontalFlip(DualTransform):
        pass

    class RandomGamma(ImageOnlyTransform):
        pass

    class ChannelShuffle(ImageOnlyTransform):
        pass

    class HueSaturationValue(ImageOnlyTransform):
        pass

    class OneOf:

        def __init__(self, transforms, p=0.5):
            self.transforms = transforms

    class Compose:

        def __init__(self, transforms, additional_targets=None):
            self.transforms = transforms

        def __call__(self, image, mask):
            leaves = [leaf for t in self.transforms
                      for leaf in getattr(t, 'transforms', [t])]
            for transform in leaves:
                if isinstance(transform, HueSaturationValue) and \
                        image.shape[2] not in (1, 3):
                    raise TypeError('HueSaturationValue transformation '
                                    'expects 1-channel or 3-channel images.')
            return dict(image=image[:, ::-1], mask=mask[:, ::-1])

    for cls in (ImageOnlyTransform, DualTransform, HorizontalFlip,
                RandomGamma, ChannelShuffle, HueSaturationValue, OneOf,
                Compose):
        setattr(module, cls.__name__, cls)
    return module


@pytest.fixture
def albu(monkeypatch):
    monkeypatch.setitem(sys.modules, 'albumentations', fake_albumentations())


def albu_transform(*names):
    return build('MultiImgAlbu', transforms=[
        dict(type='OneOf', transforms=[dict(type=n, p=1.0) for n in names])
    ])


@pytest.mark.parametrize('dtype, high', [(np.uint16, 65536),
                                         (np.float32, 255)])
def test_albu_moves_any_pair_geometrically(albu, dtype, high):
    results = pair(dtype, 13, high)
    before = results['img'][1].copy()
    out = albu_transform('HorizontalFlip')(results)
    assert out['img'][1].dtype == dtype and out['img'][1].shape[2] == 13
    np.testing.assert_array_equal(out['img'][1], before[:, ::-1])


@pytest.mark.parametrize('dtype, high, refused', [
    (np.uint8, 256, False),
    (np.float32, 1, False),
    (np.float32, 255, True),
    (np.uint16, 65536, True),
])
def test_albu_pixel_transforms_need_its_levels(albu, dtype, high, refused):
    transform = albu_transform('HorizontalFlip', 'RandomGamma')
    results = pair(dtype, 5, high)
    if not refused:
        transform(results)
        return
    with pytest.raises(ValueError, match=f'MultiImgAlbu: RandomGamma change '
                       f'.* these are {np.dtype(dtype).name} in .* with 5 '
                       'bands per date'):
        transform(results)


def test_albu_colour_transform_on_a_stacked_pair_is_explained(albu):
    with pytest.raises(ValueError, match=r'stacked as one \(16, 16, 6\) uint8'
                       r' image \(3 bands per date.*expects 1-channel'):
        albu_transform('HueSaturationValue')(pair(np.uint8, 3, 256))


def test_albu_channel_shuffle_would_mix_the_dates(albu):
    with pytest.raises(ValueError, match='mix the bands of the two dates'):
        albu_transform('ChannelShuffle')


def test_real_albumentations_behaves_as_the_fake():
    """The fake's class layout and error are albumentations' own (checked
    with albumentations 2.0.8; skipped where it is not installed)."""
    pytest.importorskip('albumentations')
    flip = albu_transform('HorizontalFlip')(pair(np.float32, 13, 255))
    assert flip['img'][0].max() > 1  # geometric: values untouched
    with pytest.raises(ValueError, match='RandomGamma change'):
        albu_transform('RandomGamma')(pair(np.float32, 3, 255))
    with pytest.raises(ValueError, match='expects 1-channel or 3-channel'):
        albu_transform('HueSaturationValue')(pair(np.uint8, 3, 256))
    with pytest.raises(ValueError, match='mix the bands'):
        albu_transform('ChannelShuffle')
