"""Semantic change panels: A | B | from map | to map | change overlay."""
from typing import List, Sequence

import numpy as np

from .panel import LegendItem, compose_panel

# Colour of pixels without a class (ignored labels).
NO_CLASS = (40, 40, 40)


def colour_classes(index: np.ndarray,
                   palette: Sequence[Sequence[int]]) -> np.ndarray:
    """Paint a class-index map with the palette (RGB).

    Args:
        index (np.ndarray): (H, W) class indices; values outside the
            palette (255 ignored) are drawn dark grey.
        palette (sequence): RGB colour of each class index.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB image.
    """
    colours = np.array(list(palette) + [NO_CLASS], np.uint8)
    safe = np.where(index < len(palette), index, len(palette))
    return colours[safe]


def semantic_classes_of(sample, meta: dict) -> tuple:
    """The class names and palette the sample's semantic maps index.

    With ``cover_semantic`` (``semantic_covered`` in the sample's meta)
    index 0 is 'unchanged' and the dataset's classes apply as they are;
    otherwise ``reduce_semantic_zero_label`` datasets predict their
    classes from the second on.

    Args:
        sample (SegDataSample): A prediction.
        meta (dict): The dataset's metainfo.

    Returns:
        tuple: (class names, RGB palette).
    """
    classes = list(meta['semantic_classes'])
    palette = list(meta['semantic_palette'])
    if not sample.metainfo.get('semantic_covered') and meta.get(
            'reduce_semantic_zero_label'):
        return classes[1:], palette[1:]
    return classes, palette


def scd_panel(image_from: np.ndarray, image_to: np.ndarray,
              change_overlay: np.ndarray, pred_from: np.ndarray,
              pred_to: np.ndarray, classes: Sequence[str],
              palette: Sequence[Sequence[int]],
              change_legend: List[LegendItem],
              min_height: int) -> np.ndarray:
    """Compose the semantic change panel of one pair.

    Args:
        image_from (np.ndarray): RGB date A.
        image_to (np.ndarray): RGB date B.
        change_overlay (np.ndarray): The binary change overlay on B.
        pred_from (np.ndarray): (H, W) predicted classes of date A.
        pred_to (np.ndarray): (H, W) predicted classes of date B.
        classes (sequence[str]): Name of each class index.
        palette (sequence): RGB colour of each class index.
        change_legend (list): Legend entries of the change overlay.
        min_height (int): Smallest displayed image height.

    Returns:
        np.ndarray: The RGB panel with titles and a legend of the classes
        that appear.
    """
    shown = sorted(set(np.unique(pred_from).tolist())
                   | set(np.unique(pred_to).tolist()))
    legend = [(classes[i], tuple(int(c) for c in palette[i]))
              for i in shown if i < len(classes)]
    return compose_panel(
        [image_from, image_to, colour_classes(pred_from, palette),
         colour_classes(pred_to, palette), change_overlay],
        ['date A', 'date B', 'from (A classes)', 'to (B classes)',
         'change'], legend + change_legend, min_height)
