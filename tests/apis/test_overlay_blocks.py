"""A big-scene overlay painted block by block equals the whole scene
painted at once, also where a region's boundary runs along a block edge."""
import numpy as np
import pytest
from inference_fixtures import write_geotiff

from changefine_mm.apis.geo import paint_changes, write_overlay

rasterio = pytest.importorskip('rasterio', reason='overlays need rasterio')


def _scene(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (3, 64, 64), dtype=np.uint8)
    mask = np.zeros((1, 64, 64), np.uint8)
    mask[0, 8:40, 10:32] = 1   # right boundary on the block edge 31 | 32
    mask[0, 50:60, 32:50] = 1  # left boundary on the same edge
    mask[0, 16:48, 40:56] = 1  # crosses the block edges at rows 16, 32
    mask[0, :4, :4] = 255      # nodata
    image = write_geotiff(tmp_path / 'b.tif', rgb)
    codes = write_geotiff(tmp_path / 'mask.tif', mask, nodata=255)
    return rgb, mask[0], image, codes


def _read(path):
    with rasterio.open(path) as src:
        return src.read().transpose(1, 2, 0)


@pytest.mark.parametrize('tile', [16, 32])
def test_blocks_equal_the_whole_scene(tmp_path, tile):
    rgb, mask, image, codes = _scene(tmp_path)
    write_overlay(image, codes, str(tmp_path / 'tiled.tif'), tile=tile)
    whole = paint_changes(rgb.transpose(1, 2, 0), mask)
    tiled = _read(tmp_path / 'tiled.tif')
    np.testing.assert_array_equal(tiled, whole)
    # The boundary at column 31 is outlined (opaque magenta), as painted
    # on the whole scene, not left blended because the block ended there.
    assert (tiled[20, 31] == (255, 0, 255)).all()
