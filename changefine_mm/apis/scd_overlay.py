"""Overlay of semantic change on date B: each changed pixel in the colour of
its *to* class.

The binary path's overlay writers do the reading, display stretch and
writing (:func:`~changefine_mm.apis.geo.write_overlay` block by block for
GeoTIFF scenes, :func:`~changefine_mm.apis.files.write_image_overlay` for
plain images); this module gives them the painter. Changed pixels (from-to
code above 0, not nodata) are blended half and half with the dataset
palette's colour of their *to* class (the colour the from-to raster's
colour table shows) and each class's regions are outlined in that colour
at full opacity, as :func:`~changefine_mm.visualization.overlay_changes`
paints binary changes. Without a palette every change is magenta.
"""
from typing import Callable, Optional, Sequence

import numpy as np

from .scd_inference import code_dtype, code_nodata

Painter = Callable[[np.ndarray, np.ndarray], np.ndarray]


def from_to_painter(num_classes: int,
                    palette: Optional[Sequence[Sequence[int]]]) -> Painter:
    """The painter of a from-to raster of K classes.

    Args:
        num_classes (int): K, the class names of the maps.
        palette (sequence, optional): RGB colour of each class index.

    Returns:
        callable: ``(rgb, codes) -> painted``: (H, W, 3) uint8 RGB and
        (H, W) from-to codes to the (H, W, 3) uint8 overlay.
    """
    from changefine_mm.visualization import overlay_changes
    nodata = code_nodata(code_dtype(num_classes))

    def paint(rgb: np.ndarray, codes: np.ndarray) -> np.ndarray:
        changed = (codes > 0) & (codes != nodata)
        if palette is None:
            return overlay_changes(rgb, changed)
        target = (codes.astype(np.int64) - 1) % num_classes
        painted = rgb
        # The classes' regions are disjoint: each is blended once.
        for index in np.unique(target[changed]):
            colour = tuple(int(c) for c in palette[index])
            painted = overlay_changes(painted, changed & (target == index),
                                      colour=colour)
        return painted

    return paint
