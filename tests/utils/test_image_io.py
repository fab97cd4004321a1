"""utils.image_io: dtype and bands kept, band selection, headers."""
import cv2
import numpy as np
import pytest

from changefine_mm.utils.image_io import (ImageHeader, decode_image,
                                          plane_bands, read_image,
                                          read_image_header)
from conftest import load_tool

rasterio = pytest.importorskip('rasterio')
make = load_tool('misc', 'make_real_imagery.py')


@pytest.fixture(scope='module')
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize('suffix', ['.png', '.jpg', '.bmp'])
def test_8bit_colour_is_opencv_colour_mode(tmp_path, rng, suffix):
    path = str(tmp_path / f'a{suffix}')
    cv2.imwrite(path, rng.integers(0, 256, (20, 30, 3), np.uint8))
    image = read_image(path)
    np.testing.assert_array_equal(image, cv2.imread(path, cv2.IMREAD_COLOR))
    assert read_image_header(path) == ImageHeader(20, 30, 3, 'uint8')


def test_alpha_is_dropped_and_grey_stays_one_band(tmp_path, rng):
    rgba = rng.integers(0, 256, (8, 9, 4), np.uint8)
    cv2.imwrite(str(tmp_path / 'rgba.png'), rgba)
    cv2.imwrite(str(tmp_path / 'grey.png'), rgba[..., 0])
    np.testing.assert_array_equal(read_image(tmp_path / 'rgba.png'),
                                  rgba[..., :3])
    grey = read_image(tmp_path / 'grey.png')
    assert grey.shape == (8, 9, 1)
    np.testing.assert_array_equal(grey[..., 0], rgba[..., 0])
    assert read_image_header(str(tmp_path / 'grey.png')).bands == 1


def test_16bit_png_is_not_narrowed(tmp_path, rng):
    values = rng.integers(0, 3473, (12, 10, 3), np.uint16)
    path = str(tmp_path / 'u16.png')
    cv2.imwrite(path, values)
    image = read_image(path)
    assert image.dtype == np.uint16 and image.max() > 255
    np.testing.assert_array_equal(image, values)
    assert read_image_header(path) == ImageHeader(12, 10, 3, 'uint16')


def test_13_band_geotiff_and_band_selection(tmp_path, rng):
    bands = rng.integers(0, 10000, (13, 6, 7), np.uint16)
    path = make.write_raster(str(tmp_path / 's2.tif'), bands)
    image = read_image(path)
    assert image.shape == (6, 7, 13) and image.dtype == np.uint16
    np.testing.assert_array_equal(image.transpose(2, 0, 1), bands)
    rgb = read_image(path, [4, 3, 2])  # red, green, blue -> B, G, R planes
    np.testing.assert_array_equal(rgb.transpose(2, 0, 1), bands[[1, 2, 3]])
    two = read_image(path, [8, 4])
    np.testing.assert_array_equal(two.transpose(2, 0, 1), bands[[7, 3]])
    assert plane_bands([4, 3, 2], 3) == [2, 3, 4]
    assert plane_bands([8, 4], 2) == [8, 4]
    assert read_image_header(path) == ImageHeader(6, 7, 13, 'uint16')
    with open(path, 'rb') as file:
        np.testing.assert_array_equal(decode_image(file.read(), path,
                                                   [4, 3, 2]), rgb)


def test_3_band_geotiff_comes_bgr_like_opencv(tmp_path, rng):
    rgb = rng.integers(0, 256, (3, 5, 6), np.uint8)
    path = make.write_raster(str(tmp_path / 'rgb.tif'), rgb)
    np.testing.assert_array_equal(read_image(path),
                                  cv2.imread(path, cv2.IMREAD_COLOR))
    np.testing.assert_array_equal(read_image(path, [1, 2, 3]),
                                  read_image(path))


def test_envi_pair_reads_data_file_and_refuses_header(tmp_path, rng):
    bands = rng.integers(0, 4096, (6, 5, 4), np.uint16)
    path = make.write_raster(str(tmp_path / 'A'), bands, driver='ENVI')
    np.testing.assert_array_equal(read_image(path).transpose(2, 0, 1),
                                  bands)
    assert read_image_header(path) == ImageHeader(5, 4, 6, 'uint16')
    with pytest.raises(ValueError, match='ENVI header'):
        read_image(path + '.hdr')


def test_band_files_stack_like_one_image(tmp_path, rng):
    bands = rng.integers(0, 10000, (4, 5, 6), np.uint16)
    paths = [make.write_raster(str(tmp_path / f'B{k}.tif'), bands[k:k + 1])
             for k in range(4)]
    np.testing.assert_array_equal(read_image(paths),
                                  bands.transpose(1, 2, 0))
    np.testing.assert_array_equal(read_image(paths, [4, 3, 2]),
                                  read_image(paths)[..., [1, 2, 3]])
    assert read_image_header(paths) == ImageHeader(5, 6, 4, 'uint16')
    make.write_raster(str(tmp_path / 'small.tif'), bands[:1, :4])
    with pytest.raises(ValueError, match='band files differ'):
        read_image(paths[:1] + [str(tmp_path / 'small.tif')])


def test_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.tif'):
        read_image(str(tmp_path / 'missing.tif'))
    bad = tmp_path / 'bad.png'
    bad.write_bytes(b'not a png')
    with pytest.raises(OSError, match='bad.png'):
        read_image(str(bad))
    path = make.write_raster(str(tmp_path / 'x.tif'),
                             np.zeros((2, 3, 3), np.uint16))
    with pytest.raises(ValueError, match=r'x.tif has 2 band.*\[3\]'):
        read_image(path, [3])
