"""Sliding windows and seam-free blending with bounded memory.

A scene is cut into windows of ``window`` pixels that overlap by
``overlap`` pixels; the last window of a row or column is moved back so
that it ends on the scene border (no padding, all windows of a scene have
one size). Each window's class scores are weighted by a cosine ramp that
rises over the overlap from almost 0 at the window edge to 1, and the
weighted sums are divided by the summed weights. Two windows overlapping
by exactly ``overlap`` get weights that add up to one, so the blended map
passes smoothly from one window to the next and the unreliable borders of
each window (zero padding, missing context) count little.

Memory does not grow with the scene: the scene is processed in vertical
strips of at most ``strip_width`` columns, each strip window-row by
window-row, and a :class:`StripBlender` keeps only the rows that a later
window can still touch. Rows that are final are handed to a sink in
blocks aligned to the output tiling.
"""
import math
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class Window:
    """A rectangle of the scene in pixels.

    Args:
        row (int): First row.
        col (int): First column.
        height (int): Number of rows.
        width (int): Number of columns.
    """
    row: int
    col: int
    height: int
    width: int

    @property
    def bottom(self) -> int:
        """Row after the last row."""
        return self.row + self.height

    @property
    def right(self) -> int:
        """Column after the last column."""
        return self.col + self.width


def check_window(window: int, overlap: int) -> None:
    """Raise a clear error for an impossible window/overlap pair.

    Args:
        window (int): Window side in pixels.
        overlap (int): Overlap of neighbouring windows in pixels.
    """
    if window < 1:
        raise ValueError(f'window must be a positive size, got {window}')
    if not 0 <= overlap < window:
        raise ValueError(
            f'overlap must be >= 0 and smaller than the window ({window}), '
            f'got {overlap}')


def window_starts(length: int, window: int, overlap: int) -> List[int]:
    """Start offsets of the windows along one axis.

    Args:
        length (int): Scene size along the axis.
        window (int): Window size.
        overlap (int): Overlap of neighbouring windows.

    Returns:
        list[int]: Increasing offsets; the last window ends at ``length``.
    """
    if length <= window:
        return [0]
    stride = window - overlap
    starts = list(range(0, length - window, stride))
    return starts + [length - window]


def window_rows(height: int, width: int, window: int,
                overlap: int) -> List[List[Window]]:
    """All windows of a scene, as rows of windows in row-major order.

    Args:
        height (int): Scene height.
        width (int): Scene width.
        window (int): Window side.
        overlap (int): Overlap of neighbouring windows.

    Returns:
        list[list[Window]]: One list per row of windows.
    """
    check_window(window, overlap)
    win_h, win_w = min(window, height), min(window, width)
    cols = window_starts(width, window, overlap)
    return [[Window(r, c, win_h, win_w) for c in cols]
            for r in window_starts(height, window, overlap)]


def strip_ranges(width: int, strip_width: int,
                 tile: int) -> List[Tuple[int, int]]:
    """Column ranges of the strips a scene is processed in.

    Args:
        width (int): Scene width.
        strip_width (int): Wanted strip width; rounded up to ``tile``.
        tile (int): Output tile width, so that no tile is split.

    Returns:
        list[tuple[int, int]]: ``(first, end)`` column of each strip.
    """
    step = max(1, math.ceil(strip_width / tile)) * tile
    return [(x, min(x + step, width)) for x in range(0, width, step)]


def ramp(length: int, overlap: int) -> np.ndarray:
    """1-D blending weights of a window: a cosine ramp at both ends.

    Args:
        length (int): Window size along the axis.
        overlap (int): Ramp length (the overlap of neighbouring windows).

    Returns:
        np.ndarray: ``(length,)`` float32 weights in (0, 1].
    """
    weights = np.ones(length, dtype=np.float32)
    if overlap == 0:
        return weights
    edge = np.minimum(np.arange(length), np.arange(length)[::-1])
    inside = edge < overlap
    # (m + 1) / (overlap + 1) keeps weights > 0 (a lone window at the
    # scene border still counts) and makes two windows that overlap by
    # exactly `overlap` add up to one.
    weights[inside] = 0.5 - 0.5 * np.cos(
        np.pi * (edge[inside] + 1) / (overlap + 1))
    return weights


def window_weights(height: int, width: int, overlap: int) -> np.ndarray:
    """2-D blending weights of a window (outer product of two ramps).

    Args:
        height (int): Window height.
        width (int): Window width.
        overlap (int): Ramp length.

    Returns:
        np.ndarray: ``(height, width)`` float32 weights.
    """
    return np.outer(ramp(height, overlap), ramp(width, overlap))


# A sink receives finished blocks: (row, col, probabilities (K, h, w) with
# NaN where no valid pixel contributed, valid (h, w) bool).
Sink = Callable[[int, int, np.ndarray, np.ndarray], None]


class StripBlender:
    """Blend the window scores of one strip and emit finished rows.

    Windows must be added in row-major order (the order of
    :func:`window_rows`). When a window of a new window-row arrives, every
    row above it is final; those rows are normalised and passed to the
    sink in blocks of ``block_rows`` (the last block may be shorter), then
    dropped. The buffer therefore holds at most ``window + block_rows``
    rows of the strip.

    Args:
        columns (tuple[int, int]): Columns ``[first, end)`` this strip
            outputs.
        windows (list[Window]): The windows touching those columns, in
            row-major order (they may stick out of the strip).
        height (int): Scene height.
        channels (int): Score channels per pixel.
        overlap (int): Ramp length of the blending weights.
        block_rows (int): Row blocks handed to the sink (output tiling).
        sink (callable): Receives finished blocks, see :data:`Sink`.
    """

    def __init__(self, columns: Tuple[int, int], windows: List[Window],
                 height: int, channels: int, overlap: int, block_rows: int,
                 sink: Sink) -> None:
        self.columns = columns
        self.left = min(w.col for w in windows)
        width = max(w.right for w in windows) - self.left
        rows = max(w.height for w in windows) + block_rows
        self.height = height
        self.block_rows = block_rows
        self.overlap = overlap
        self.sink = sink
        self.scores = np.zeros((channels, rows, width), dtype=np.float32)
        self.weights = np.zeros((rows, width), dtype=np.float32)
        self.top = 0  # scene row held in buffer row 0
        self.open_windows: List[Window] = []
        self.peak_open_windows = 0
        self.peak_rows = 0

    def add(self, window: Window, scores: Optional[np.ndarray],
            valid: Optional[np.ndarray]) -> None:
        """Add one window's scores (None for a skipped, all-nodata window).

        Args:
            window (Window): Where the scores belong.
            scores (np.ndarray, optional): ``(K, h, w)`` float scores.
            valid (np.ndarray, optional): ``(h, w)`` bool, False where the
                input is nodata (weight 0 there).
        """
        self._flush(window.row)
        if scores is None:
            return
        weights = window_weights(window.height, window.width, self.overlap)
        if valid is not None:
            weights = weights * valid
        rows = slice(window.row - self.top, window.bottom - self.top)
        cols = slice(window.col - self.left, window.right - self.left)
        self.scores[:, rows, cols] += scores * weights
        self.weights[rows, cols] += weights
        self.open_windows.append(window)
        self.peak_open_windows = max(self.peak_open_windows,
                                     len(self.open_windows))
        self.peak_rows = max(self.peak_rows, window.bottom - self.top)

    def close(self) -> None:
        """Emit all remaining rows."""
        self._flush(self.height)

    def _flush(self, final_row: int) -> None:
        """Emit rows above ``final_row`` in whole blocks (all at the end)."""
        end = final_row if final_row >= self.height else (
            final_row // self.block_rows * self.block_rows)
        while end > self.top:
            count = min(end - self.top, self.block_rows)
            self._emit(count)

    def _emit(self, count: int) -> None:
        first, last = (c - self.left for c in self.columns)
        weights = self.weights[:count, first:last]
        valid = weights > 0
        with np.errstate(invalid='ignore', divide='ignore'):
            probs = self.scores[:, :count, first:last] / weights
        probs[:, ~valid] = np.nan
        self.sink(self.top, self.columns[0], probs, valid)
        # Move the unfinished rows up; the freed rows start empty.
        self.scores[:, :-count] = self.scores[:, count:]
        self.scores[:, -count:] = 0
        self.weights[:-count] = self.weights[count:]
        self.weights[-count:] = 0
        self.top += count
        self.open_windows = [
            w for w in self.open_windows if w.bottom > self.top
        ]


def strip_windows(rows: List[List[Window]],
                  columns: Tuple[int, int]) -> Iterator[Window]:
    """The windows that touch a column range, in row-major order.

    Args:
        rows (list[list[Window]]): Output of :func:`window_rows`.
        columns (tuple[int, int]): ``[first, end)`` columns.

    Yields:
        Window: Each window overlapping the columns.
    """
    first, end = columns
    for row in rows:
        for window in row:
            if window.col < end and window.right > first:
                yield window
