"""Big-scene GeoTIFF inference: grid kept, nodata, streaming, bad input."""
import numpy as np
import pytest
from inference_fixtures import (UTM, inferencer, synthetic_rgb_pair,  # noqa
                                tiny_model_files, write_geotiff)

from changefine_mm.apis import predict_geotiff

rasterio = pytest.importorskip('rasterio',
                               reason='rasterio is needed for GeoTIFF tests')

WINDOW, OVERLAP, TILE = 32, 8, 16


@pytest.fixture
def geo_pair(tmp_path):
    image_a, image_b = synthetic_rgb_pair(70, 90)
    return (write_geotiff(tmp_path / 'a.tif', image_a),
            write_geotiff(tmp_path / 'b.tif', image_b), image_a, image_b)


def _run(inferencer, path_a, path_b, out, **kwargs):
    options = dict(window=WINDOW, overlap=OVERLAP, tile=TILE, strip_width=48,
                   progress=False)
    options.update(kwargs)
    return predict_geotiff(inferencer, path_a, path_b, str(out), **options)


def test_output_keeps_the_grid_and_matches_in_memory_blending(
        inferencer, geo_pair, tmp_path):
    path_a, path_b, image_a, image_b = geo_pair
    mask_path, prob_path = tmp_path / 'mask.tif', tmp_path / 'prob.tif'
    stats = _run(inferencer, path_a, path_b, mask_path,
                 prob_path=str(prob_path))
    with rasterio.open(path_a) as src, rasterio.open(mask_path) as mask, \
            rasterio.open(prob_path) as prob:
        for out in (mask, prob):
            assert out.crs == src.crs
            assert out.transform == src.transform
            assert (out.width, out.height) == (src.width, src.height)
            assert out.block_shapes == [(TILE, TILE)] * out.count
            assert out.compression.name == 'deflate'
        assert mask.dtypes == ('uint8', ) and mask.nodata == 255
        assert prob.dtypes == ('float32', ) and np.isnan(prob.nodata)
        mask_data, prob_data = mask.read(1), prob.read(1)
    # rasterio reads RGB; the streamed result equals the in-memory one
    expected = inferencer(image_a.transpose(1, 2, 0),
                          image_b.transpose(1, 2, 0), window=WINDOW,
                          overlap=OVERLAP)
    np.testing.assert_allclose(prob_data, expected['prob'], atol=1e-6)
    np.testing.assert_array_equal(mask_data, expected['mask'])
    # 3 x 4 windows; the column straddling the two strips runs in both
    assert stats.windows == 15 and stats.skipped == 0


def test_nodata_stays_nodata_and_empty_windows_are_skipped(
        inferencer, tmp_path):
    image_a, image_b = synthetic_rgb_pair(64, 96)
    image_a[:, :, :40] = 0  # the first window column is nodata in A
    image_b[:, 50:, 60:] = 0  # a corner is nodata in B
    path_a = write_geotiff(tmp_path / 'a.tif', image_a, nodata=0)
    path_b = write_geotiff(tmp_path / 'b.tif', image_b, nodata=0)
    calls = []
    original = inferencer.predict_arrays

    def counting(images_a, images_b):
        calls.append(len(images_a))
        return original(images_a, images_b)

    inferencer.predict_arrays = counting
    try:
        stats = _run(inferencer, path_a, path_b, tmp_path / 'mask.tif',
                     prob_path=str(tmp_path / 'prob.tif'))
    finally:
        del inferencer.predict_arrays
    with rasterio.open(tmp_path / 'mask.tif') as mask, \
            rasterio.open(tmp_path / 'prob.tif') as prob:
        mask_data, prob_data = mask.read(1), prob.read(1)
    assert (mask_data[:, :40] == 255).all()
    assert (mask_data[50:, 60:] == 255).all()
    assert np.isnan(prob_data[:, :40]).all()
    valid = np.ones_like(mask_data, dtype=bool)
    valid[:, :40] = False
    valid[50:, 60:] = False
    assert set(np.unique(mask_data[valid])) <= {0, 1}
    assert not np.isnan(prob_data[valid]).any()
    assert stats.skipped == 3 and sum(calls) == stats.windows - 3


def test_streaming_holds_the_same_for_a_larger_scene(inferencer, tmp_path):
    held = []
    for size in ((128, 160), (192, 320)):
        image_a, image_b = synthetic_rgb_pair(*size)
        folder = tmp_path / f'{size[0]}'
        folder.mkdir()
        stats = _run(inferencer, write_geotiff(folder / 'a.tif', image_a),
                     write_geotiff(folder / 'b.tif', image_b),
                     folder / 'mask.tif', strip_width=64)
        held.append((stats.windows, stats.peak_open_windows, stats.peak_rows,
                     stats.peak_in_flight))
    (small, *small_peaks), (large, *large_peaks) = held
    assert large > 2.5 * small
    assert large_peaks == small_peaks
    assert large_peaks[2] <= inferencer.batch_size


@pytest.mark.parametrize('change,message', [
    (dict(shape=(70, 80)), 'size 90x70 vs 80x70'),
    (dict(crs='EPSG:32651'), 'CRS EPSG:32650 vs EPSG:32651'),
    (dict(origin=(500010.0, 3400000.0)), 'transform'),
    (dict(bands=4), 'band count 3 vs 4'),
])
def test_mismatched_pairs_are_refused(inferencer, geo_pair, tmp_path, change,
                                      message):
    path_a, _, image_a, image_b = geo_pair
    image = image_b
    if 'shape' in change:
        image = image_b[:, :change['shape'][0], :change['shape'][1]]
    if 'bands' in change:
        image = np.concatenate([image_b, image_b[:1]])
    path_b = write_geotiff(tmp_path / 'other.tif', image,
                           crs=change.get('crs', UTM),
                           origin=change.get('origin', (500000.0, 3400000.0)))
    with pytest.raises(ValueError, match=message) as err:
        _run(inferencer, path_a, path_b, tmp_path / 'mask.tif')
    assert 'a.tif (A)' in str(err.value) and 'other.tif (B)' in str(err.value)
    assert not (tmp_path / 'mask.tif').exists()


def test_align_reprojects_b_onto_a(inferencer, geo_pair, tmp_path):
    path_a, _, _, image_b = geo_pair
    # B: same content, 2 m further east and coarser -> a different grid
    path_b = write_geotiff(tmp_path / 'shifted.tif', image_b,
                           origin=(500002.0, 3400000.0), gsd=0.6)
    with pytest.raises(ValueError, match='--align'):
        _run(inferencer, path_a, path_b, tmp_path / 'mask.tif')
    _run(inferencer, path_a, path_b, tmp_path / 'mask.tif', align=True)
    with rasterio.open(tmp_path / 'mask.tif') as mask, \
            rasterio.open(path_a) as src:
        assert mask.transform == src.transform and mask.shape == src.shape
        data = mask.read(1)
    # the first 4 columns (2 m) of A are not covered by B: nodata
    assert (data[:, :3] == 255).all()
    assert set(np.unique(data[:, 5:])) <= {0, 1}


def test_unreadable_tiff_and_existing_output(inferencer, geo_pair, tmp_path):
    path_a, path_b, _, _ = geo_pair
    broken = tmp_path / 'broken.tif'
    broken.write_bytes(b'II*\x00 this is not a complete tiff')
    with pytest.raises(ValueError, match='cannot read .*broken.tif'):
        _run(inferencer, str(broken), path_b, tmp_path / 'mask.tif')
    out = tmp_path / 'mask.tif'
    out.write_bytes(b'old')
    with pytest.raises(FileExistsError, match='--overwrite'):
        _run(inferencer, path_a, path_b, out)
    assert out.read_bytes() == b'old'
    _run(inferencer, path_a, path_b, out, overwrite=True)
    with rasterio.open(out) as mask:
        assert mask.count == 1
