"""Sliding windows, blending weights and the streaming blender (no model)."""
import numpy as np
import pytest

from changefine_mm.apis.scene import blend_scene
from changefine_mm.apis.sliding import (StripBlender, Window, ramp,
                                        strip_ranges, window_rows,
                                        window_starts)


def test_window_starts_cover_and_end_on_border():
    assert window_starts(100, 32, 8) == [0, 24, 48, 68]
    assert window_starts(20, 32, 8) == [0]
    assert window_starts(32, 32, 8) == [0]
    rows = window_rows(40, 100, 32, 8)
    assert all(w.height == 32 and w.width == 32 for r in rows for w in r)
    assert rows[-1][-1].bottom == 40 and rows[-1][-1].right == 100


@pytest.mark.parametrize('window,overlap', [(0, 0), (32, 32), (32, -1)])
def test_bad_window_is_refused(window, overlap):
    with pytest.raises(ValueError, match='window|overlap'):
        window_rows(64, 64, window, overlap)


def test_ramp_weights_add_up_to_one_in_the_overlap():
    overlap, size = 8, 32
    weights = ramp(size, overlap)
    assert weights.min() > 0 and weights[overlap:-overlap].min() == 1
    # the end of one window against the start of the next
    np.testing.assert_allclose(weights[-overlap:] + weights[:overlap], 1,
                               atol=1e-6)


def test_strips_are_tile_aligned():
    assert strip_ranges(100, 40, 16) == [(0, 48), (48, 96), (96, 100)]
    assert strip_ranges(100, 1000, 16) == [(0, 100)]


def _scene(height, width):
    rng = np.random.default_rng(height * width)
    return rng.random((1, height, width), dtype=np.float32)


def _identity_run(scene, window, overlap, strip_width, tile, batch_size=3,
                  valid=None):
    """Blend a 'model' that returns its input: the result must be it."""
    height, width = scene.shape[1:]
    out = np.full_like(scene, -1)
    calls = []

    def predict(images_a, images_b):
        calls.append(len(images_a))
        return np.stack(images_a)

    def read(win):
        rows, cols = slice(win.row, win.bottom), slice(win.col, win.right)
        return (scene[:, rows, cols], scene[:, rows, cols],
                None if valid is None else valid[rows, cols])

    def sink(row, col, probs, _valid):
        assert (out[:, row:row + probs.shape[1],
                    col:col + probs.shape[2]] == -1).all(), 'written twice'
        out[:, row:row + probs.shape[1], col:col + probs.shape[2]] = probs

    stats = blend_scene(predict, read, height, width, 1, sink, window,
                        overlap, batch_size, strip_width, tile)
    return out, stats, calls


@pytest.mark.parametrize('shape,window,overlap,strip,tile', [
    ((70, 90), 32, 8, 32, 16),
    ((64, 64), 64, 16, 64, 16),
    ((50, 130), 24, 10, 48, 16),
    ((20, 30), 32, 8, 16, 16),
])
def test_blending_puts_every_pixel_back_in_place(shape, window, overlap,
                                                 strip, tile):
    scene = _scene(*shape)
    out, stats, calls = _identity_run(scene, window, overlap, strip, tile)
    np.testing.assert_allclose(out, scene, rtol=1e-5)
    assert max(calls) <= 3 and stats.skipped == 0


def test_nodata_windows_are_skipped_and_stay_nodata():
    scene = _scene(64, 96)
    valid = np.ones((64, 96), dtype=bool)
    valid[:, :40] = False  # the first window column is all nodata
    out, stats, calls = _identity_run(scene, 32, 8, 96, 16, valid=valid)
    assert stats.skipped == 3  # the three windows with columns 0..31
    assert np.isnan(out[:, :, :40]).all()
    np.testing.assert_allclose(out[:, :, 40:], scene[:, :, 40:], rtol=1e-5)
    assert sum(calls) == stats.windows - stats.skipped


def test_memory_does_not_grow_with_the_scene():
    """Windows and rows held at once are the same for a 4x larger scene."""
    small = _identity_run(_scene(128, 160), 32, 8, 64, 16)[1]
    large = _identity_run(_scene(400, 560), 32, 8, 64, 16)[1]
    assert large.windows > 4 * small.windows
    assert large.peak_open_windows == small.peak_open_windows
    assert large.peak_rows == small.peak_rows
    assert large.peak_in_flight <= 3
    # one window-row of a strip, twice (the previous one is being flushed)
    assert large.peak_open_windows <= 2 * 4


def test_blender_flushes_rows_in_tile_blocks():
    emitted = []
    windows = [w for r in window_rows(80, 32, 32, 8) for w in r]
    blender = StripBlender((0, 32), windows, 80, 1, 8, 16,
                           lambda row, col, p, v: emitted.append(
                               (row, p.shape[1])))
    for win in windows:
        blender.add(win, np.ones((1, win.height, win.width), np.float32),
                    None)
    blender.close()
    assert [r for r, _ in emitted] == [0, 16, 32, 48, 64]
    assert sum(n for _, n in emitted) == 80
    assert blender.peak_rows <= 32 + 16
    assert isinstance(windows[0], Window)


def test_progress_line_reports_windows_per_second_and_eta():
    import io

    from changefine_mm.apis.progress import WindowProgress
    stream = io.StringIO()
    bar = WindowProgress(10, stream=stream, interval=0)
    bar.update(4)
    bar.update(6)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # a log file: one line per update, no repeat
    assert lines[0].startswith('4/10 windows | ')
    assert 'windows/s' in lines[0] and 'ETA' in lines[0]
    assert lines[1].startswith('10/10 windows')
    silent = io.StringIO()
    WindowProgress(3, enabled=False, stream=silent).update(3)
    assert silent.getvalue() == ''
