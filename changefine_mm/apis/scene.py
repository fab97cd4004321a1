"""The sliding-window loop shared by in-memory and GeoTIFF inference.

Windows are read, batched, predicted and blended strip by strip (see
:mod:`changefine_mm.apis.sliding`). Under ``torch.distributed`` with
``share_windows=True`` every rank reads and predicts its own share of each
step (``batch_size`` windows per rank) and rank 0, the only writer,
gathers the results in window order and blends them, so the output is
identical to a single-process run.
"""
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import numpy as np
from mmengine.dist import gather_object, get_dist_info

from .progress import WindowProgress
from .sliding import (Sink, StripBlender, Window, strip_ranges,
                      strip_windows, window_rows)

# (date A (C, h, w), date B (C, h, w), valid (h, w) bool or None)
Reader = Callable[[Window], Tuple[np.ndarray, np.ndarray,
                                  Optional[np.ndarray]]]
Predictor = Callable[[List[np.ndarray], List[np.ndarray]], np.ndarray]


@dataclass
class SceneStats:
    """What a run did and how much it held at once.

    Attributes:
        windows (int): Windows in the scene (over all strips).
        skipped (int): Windows skipped because they were all nodata.
        peak_open_windows (int): Most windows whose scores were held in a
            blending buffer at once (rank 0).
        peak_rows (int): Most scene rows held by a blending buffer.
        peak_in_flight (int): Most windows read but not yet blended.
        predicted (int): Windows this process ran through the model.
        seconds (float): Wall time.
    """
    windows: int = 0
    skipped: int = 0
    predicted: int = 0
    peak_open_windows: int = 0
    peak_rows: int = 0
    peak_in_flight: int = 0
    seconds: float = 0.0


def blend_scene(predict: Predictor,
                read: Reader,
                height: int,
                width: int,
                channels: int,
                sink: Sink,
                window: int,
                overlap: int,
                batch_size: int,
                strip_width: int,
                tile: int,
                share_windows: bool = False,
                progress: bool = False) -> SceneStats:
    """Predict a scene window by window and blend it into ``sink``.

    Args:
        predict (callable): ``(list of A, list of B) -> (N, K, h, w)``.
        read (callable): Window -> (A, B, valid) arrays.
        height (int): Scene height.
        width (int): Scene width.
        channels (int): K, probability channels.
        sink (callable): Receives finished blocks (rank 0 only).
        window (int): Window side.
        overlap (int): Overlap of neighbouring windows.
        batch_size (int): Windows per forward pass (per rank).
        strip_width (int): Widest strip of columns held at once.
        tile (int): Output tile size (blocks are aligned to it).
        share_windows (bool): Split the windows over the ranks of the
            initialised process group.
        progress (bool): Show windows/s and ETA (rank 0).

    Returns:
        SceneStats: Counters of the run.
    """
    start_time = time.time()
    rank, world = get_dist_info() if share_windows else (0, 1)
    rows = window_rows(height, width, window, overlap)
    strips = [(columns, list(strip_windows(rows, columns)))
              for columns in strip_ranges(width, strip_width, tile)]
    stats = SceneStats(windows=sum(len(w) for _, w in strips))
    bar = WindowProgress(stats.windows, enabled=progress and rank == 0)
    step = batch_size * world
    for columns, windows in strips:
        blender = StripBlender(columns, windows, height, channels, overlap,
                               tile, sink) if rank == 0 else None
        for first in range(0, len(windows), step):
            mine = windows[first + rank * batch_size:
                           first + (rank + 1) * batch_size]
            results = _predict_windows(predict, read, mine)
            stats.predicted += sum(r[0] is not None for r in results)
            if world > 1:
                gathered = gather_object(results, dst=0)
                results = [r for part in (gathered or []) for r in part]
            stats.peak_in_flight = max(stats.peak_in_flight, len(results))
            if blender is not None:
                for win, (scores, valid) in zip(
                        windows[first:first + step], results):
                    stats.skipped += scores is None
                    blender.add(win, scores, valid)
            bar.update(len(windows[first:first + step]))
        if blender is not None:
            blender.close()
            stats.peak_open_windows = max(stats.peak_open_windows,
                                          blender.peak_open_windows)
            stats.peak_rows = max(stats.peak_rows, blender.peak_rows)
    bar.close()
    stats.seconds = time.time() - start_time
    return stats


def _predict_windows(predict: Predictor, read: Reader,
                     windows: List[Window]) -> List[tuple]:
    """Read windows, skip all-nodata ones, predict the rest as a batch."""
    images_a, images_b, valids, keep = [], [], [], []
    for index, win in enumerate(windows):
        image_a, image_b, valid = read(win)
        valids.append(valid)
        if valid is not None and not valid.any():
            continue
        keep.append(index)
        images_a.append(image_a)
        images_b.append(image_b)
    results = [(None, valid) for valid in valids]
    if keep:
        probs = predict(images_a, images_b)
        for index, scores in zip(keep, probs):
            results[index] = (scores, valids[index])
    return results
