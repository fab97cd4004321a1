"""Real imagery through datasets and the loading transform: 16-bit,
multi-band, band selection, OSCD, ENVI and SAR pairs."""
import cv2
import numpy as np
import pytest

from changefine_mm.datasets import CDDataset, OSCDDataset
from changefine_mm.datasets.cd_dataset import DatasetLayoutError
from changefine_mm.datasets.transforms import (MultiImgLoadImageFromFile,
                                               MultiImgPhotoMetricDistortion)
from changefine_mm.utils.image_io import read_image
from conftest import load_tool

pytest.importorskip('rasterio')
make = load_tool('misc', 'make_real_imagery.py')
TRAIN = ['aguasclaras', 'bercy']
TEST = ['brasilia']


@pytest.fixture(scope='module')
def oscd_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('oscd'))
    make.write_oscd(root, dict(train=TRAIN, test=TEST), size=(16, 20))
    return root


def _load(paths, **kwargs):
    return MultiImgLoadImageFromFile(**kwargs).transform(
        dict(img_path=paths))


def test_16_bit_png_pair_arrives_unnarrowed_or_refused(tmp_path):
    values = np.full((4, 5, 3), 3472, np.uint16)
    paths = [str(tmp_path / f'{d}.png') for d in 'AB']
    for path in paths:
        cv2.imwrite(path, values)
    with pytest.raises(ValueError, match=r'A\.png has uint16 .*scale='):
        _load(paths)
    results = _load(paths, scale=dict(type='fixed', max=4095))
    assert results['img'][0].dtype == np.float32
    np.testing.assert_allclose(results['img'][0], 3472 / 4095 * 255,
                               rtol=1e-6)
    assert results['img_scaled'] == 'fixed'


def test_8_bit_grey_still_comes_as_three_channels(tmp_path):
    paths = [str(tmp_path / f'{d}.png') for d in 'AB']
    for path in paths:
        cv2.imwrite(path, np.arange(20, dtype=np.uint8).reshape(4, 5))
    image = _load(paths)['img'][0]
    np.testing.assert_array_equal(image, cv2.imread(paths[0]))
    assert _load(paths, bands=[1])['img'][0].shape == (4, 5, 1)


def test_band_selection_on_13_band_geotiffs(tmp_path):
    image_a, image_b, _ = make.spectral_pair(8, 9, seed=3)
    paths = [make.write_raster(str(tmp_path / 'A.tif'), image_a),
             make.write_raster(str(tmp_path / 'B.tif'), image_b)]
    full = _load(paths, scale=dict(type='raw'))['img'][0]
    assert full.shape == (8, 9, 13)
    np.testing.assert_array_equal(full.transpose(2, 0, 1), image_a)
    rgb = _load(paths, bands=[4, 3, 2], scale=dict(type='raw'))['img'][0]
    np.testing.assert_array_equal(rgb.transpose(2, 0, 1), image_a[[1, 2, 3]])
    # Distortion of scaled N-band images: float kept, colour refused.
    scaled = _load(paths, scale=dict(type='fixed', max=10000))
    out = MultiImgPhotoMetricDistortion(
        saturation_range=None, hue_delta=0).transform(scaled)['img'][0]
    assert out.dtype == np.float32 and out.shape == (8, 9, 13)
    with pytest.raises(ValueError, match='saturation and hue need 3-band'):
        MultiImgPhotoMetricDistortion().transform(scaled)


def test_oscd_layout_and_split(oscd_root):
    train = OSCDDataset(data_root=oscd_root, split='train', lazy_init=False)
    assert [d['pair_name'] for d in train] == TRAIN
    info = train.get_data_info(0)
    assert len(info['img_path'][0]) == 13
    assert info['img_path'][0][8].endswith('imgs_1_rect/B8A.tif')
    assert info['img_path'][1][0].endswith('imgs_2_rect/B01.tif')
    assert info['seg_map_path'].endswith(
        'Train Labels/aguasclaras/cm/cm.png')
    test = OSCDDataset(data_root=oscd_root, split='test')
    assert [d['pair_name'] for d in test] == TEST
    assert 'Test Labels' in test.get_data_info(0)['seg_map_path']


def test_oscd_pipeline_reads_13_bands_or_rgb(oscd_root):
    pipeline = [
        dict(type='MultiImgLoadImageFromFile', bands=[4, 3, 2],
             scale=dict(type='fixed', max=10000)),
        dict(type='MultiImgLoadAnnotations')
    ]
    sample = OSCDDataset(data_root=oscd_root, pipeline=pipeline)[1]
    assert sample['img'][0].shape == (16, 20, 3)
    assert set(np.unique(sample['gt_seg_map'])) <= {0, 1}
    red = read_image(sample['img_path'][0][3])[..., 0]  # bercy's B04
    np.testing.assert_allclose(sample['img'][0][..., 2], red / 10000 * 255,
                               rtol=1e-6)


def test_oscd_missing_files_are_named(tmp_path):
    make.write_oscd(str(tmp_path), dict(train=['paris']), size=(8, 8))
    band = (tmp_path / make.OSCD_IMAGES / 'paris' / 'imgs_2_rect' /
            'B8A.tif')
    band.unlink()
    with pytest.raises(DatasetLayoutError, match='imgs_2_rect/B8A.tif'):
        OSCDDataset(data_root=str(tmp_path))
    with pytest.raises(DatasetLayoutError, match='test.txt not found'):
        OSCDDataset(data_root=str(tmp_path), split='test')


def test_envi_pairs_in_folders_skip_headers(tmp_path):
    make.write_folder_pairs(str(tmp_path), 'envi', count=2, size=12)
    dataset = CDDataset(
        data_root=str(tmp_path), img_suffix='', seg_map_suffix='.png',
        data_prefix=dict(img_path_from='A', img_path_to='B',
                         seg_map_path='label'),
        pipeline=[dict(type='MultiImgLoadImageFromFile',
                       scale=dict(type='fixed', max=10000)),
                  dict(type='MultiImgLoadAnnotations')])
    assert len(dataset) == 2
    assert dataset.get_data_info(0)['seg_map_path'].endswith('pair0.png')
    sample = dataset[0]
    assert sample['img'][0].shape == (12, 12, 6)
    assert sample['gt_seg_map'].shape == (12, 12)


def test_sar_float_pairs_with_log_scaling(tmp_path):
    make.write_folder_pairs(str(tmp_path), 'sar', count=1, size=12)
    dataset = CDDataset(
        data_root=str(tmp_path), img_suffix='.tif', seg_map_suffix='.png',
        data_prefix=dict(img_path_from='A', img_path_to='B',
                         seg_map_path='label'),
        pipeline=[dict(type='MultiImgLoadImageFromFile', bands=[1],
                       scale=dict(type='log', min_db=-25, max_db=5))])
    image = dataset[0]['img'][0]
    raw = make.spectral_pair(12, 12, seed=0, bands=6)[0][3]
    decibels = 10 * np.log10((raw.astype(np.float32) / 10000)**2 * 4)
    np.testing.assert_allclose(image[..., 0], (decibels + 25) / 30 * 255,
                               rtol=1e-4)


def test_display_image_is_8_bit_bgr_for_any_input(oscd_root, tmp_path):
    from changefine_mm.datasets.transforms import display_image
    cv2.imwrite(str(tmp_path / 'rgb.png'),
                np.arange(60, dtype=np.uint8).reshape(4, 5, 3))
    np.testing.assert_array_equal(display_image(str(tmp_path / 'rgb.png')),
                                  cv2.imread(str(tmp_path / 'rgb.png')))
    info = OSCDDataset(data_root=oscd_root).get_data_info(0)
    shown = display_image(info['img_path'][0])  # 13 uint16 band files
    assert shown.shape == (16, 20, 3) and shown.dtype == np.uint8
    assert shown.max() == 255 and shown.min() == 0


def test_arrays_16_bit_need_a_rule_float_and_8_bit_pass():
    from changefine_mm.datasets.transforms import MultiImgLoadImageFromNDArray
    u16 = [np.full((4, 4, 3), 1000, np.uint16)] * 2
    with pytest.raises(ValueError, match='array A has uint16'):
        MultiImgLoadImageFromNDArray().transform(dict(img=u16))
    out = MultiImgLoadImageFromNDArray(
        scale=dict(type='fixed', max=2000)).transform(dict(img=u16))
    np.testing.assert_allclose(out['img'][0], 127.5)
    floats = [np.full((4, 4, 3), 0.5, np.float32)] * 2
    assert MultiImgLoadImageFromNDArray().transform(
        dict(img=floats))['img'][0] is floats[0]


def test_normalize_takes_one_mean_per_band():
    from changefine_mm.datasets.transforms import MultiImgNormalize
    images = [np.full((2, 2, 13), 30.0, np.float32)] * 2
    out = MultiImgNormalize(mean=[10] * 13, std=[2] * 13,
                            to_rgb=False).transform(dict(img=images))
    np.testing.assert_allclose(out['img'][0], 10.0)
    with pytest.raises(ValueError, match='to_rgb=False unless there are 3'):
        MultiImgNormalize(mean=[10] * 13, std=[2] * 13).transform(
            dict(img=images))
