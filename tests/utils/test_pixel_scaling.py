"""Pixel scaling rules give the documented numbers."""
import json

import numpy as np
import pytest

from changefine_mm.utils.pixel_scaling import build_scale, check_scalable


def test_fixed_maps_min_max_onto_0_255_and_clips():
    rule = build_scale(dict(type='fixed', max=10000))
    image = np.array([[[0, 5000, 10000, 20000]]], np.uint16).reshape(1, 4, 1)
    out = rule(image)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, 0], [0, 127.5, 255, 255])
    per_band = build_scale(dict(type='fixed', min=[0, 100], max=[200, 300]))
    pixel = np.array([[[100, 200]]], np.uint16)
    np.testing.assert_allclose(per_band(pixel, [1, 2])[0, 0], [127.5, 127.5])
    # Looked up by file band, whatever the plane order.
    same = np.array([[[200, 200]]], np.uint16)
    np.testing.assert_allclose(per_band(same, [1, 2])[0, 0], [255, 127.5])
    np.testing.assert_allclose(per_band(same, [2, 1])[0, 0], [127.5, 255])


def test_percentile_is_per_band_and_per_image():
    ramp = np.arange(101, dtype=np.float32)
    image = np.stack([ramp, ramp * 10], axis=1)[None]  # (1, 101, 2)
    out = build_scale(dict(type='percentile', low=2, high=98))(image)
    np.testing.assert_allclose(out[0, [2, 50, 98], 0], [0, 127.5, 255],
                               atol=1e-3)
    np.testing.assert_allclose(out[0, :, 0], out[0, :, 1], atol=1e-3)
    assert out[0, 0, 0] == 0 and out[0, 100, 1] == 255


def test_dataset_stats_uses_the_file_percentiles(tmp_path):
    stats = dict(bands=[2, 3, 4], mean=[1, 2, 3], std=[1, 1, 1],
                 percentiles={'2': [100, 200, 300], '98': [1100, 1200, 1300]})
    path = tmp_path / 'stats.json'
    path.write_text(json.dumps(stats))
    rule = build_scale(dict(type='dataset_stats', file=str(path)))
    pixel = np.array([[[600, 700]]], np.uint16)
    np.testing.assert_allclose(rule(pixel, [2, 3])[0, 0], [127.5, 127.5])
    with pytest.raises(ValueError, match='not of bands \\[5\\]'):
        rule(pixel, [2, 5])
    with pytest.raises(ValueError, match='no 1th percentile'):
        build_scale(dict(type='dataset_stats', file=str(path), low=1))(
            pixel, [2, 3])


def test_log_scales_decibels_and_floors_non_positive():
    rule = build_scale(dict(type='log', min_db=-20, max_db=0))
    image = np.array([0.01, 0.1, 1.0, 0.0, -1.0, np.nan],
                     np.float32).reshape(1, 6, 1)
    np.testing.assert_allclose(rule(image)[0, :, 0],
                               [0, 127.5, 255, 0, 0, 0], atol=1e-4)


def test_raw_keeps_values_and_nan_becomes_zero():
    image = np.array([[[12345.0, np.nan]]], np.float32)
    np.testing.assert_array_equal(build_scale(dict(type='raw'))(image),
                                  [[[12345.0, 0.0]]])


def test_missing_rule_for_16_bit_is_an_error_naming_file_and_fix():
    with pytest.raises(ValueError, match=r"a\.tif has uint16.*scale=dict"):
        check_scalable(np.uint16, None, 'a.tif')
    check_scalable(np.uint8, None, 'a.png')
    with pytest.raises(ValueError, match='unknown pixel scale type'):
        build_scale(dict(type='gamma'))
