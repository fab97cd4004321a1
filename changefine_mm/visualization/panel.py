"""Readable pictures: column titles, a colour legend, a minimum size.

Every panel and overlay the package draws for people (``--show-dir``
panels, infer ``--overlay`` PNGs, scene panels, the demo app) goes through
:func:`compose_panel`, so they share one style.
"""
import math
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

Colour = Tuple[int, int, int]
LegendItem = Tuple[str, Colour]

MIN_HEIGHT = 256
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_TEXT = (20, 20, 20)
_BACKGROUND = 255
# Narrowest legend entry before the legend wraps to another row.
_LEGEND_SLOT = 150


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Enlarge by an integer factor with nearest neighbours (no blur)."""
    if factor == 1:
        return image
    return cv2.resize(image, None, fx=factor, fy=factor,
                      interpolation=cv2.INTER_NEAREST)


def _text_bar(texts: Sequence[str], widths: Sequence[int], gap: int,
              height: int) -> np.ndarray:
    """A white bar with each text centred over its column."""
    bar = np.full((height, sum(widths) + gap * (len(widths) - 1), 3),
                  _BACKGROUND, np.uint8)
    left = 0
    for text, width in zip(texts, widths):
        scale = _fit_scale(text, width - 4, height)
        (w, h), _ = cv2.getTextSize(text, _FONT, scale, 1)
        origin = (left + max(0, (width - w) // 2), (height + h) // 2)
        cv2.putText(bar, text, origin, _FONT, scale, _TEXT, 1, cv2.LINE_AA)
        left += width + gap
    return bar


def _fit_scale(text: str, width: int, height: int) -> float:
    """The largest font scale (at most 0.6) whose text fits the box."""
    scale = 0.6
    while scale > 0.25:
        (w, h), _ = cv2.getTextSize(text, _FONT, scale, 1)
        if w <= width and h <= height * 0.6:
            break
        scale -= 0.05
    return scale


def legend_bar(items: Sequence[LegendItem], width: int,
               row_height: int = 28) -> np.ndarray:
    """White rows of outlined colour swatches, each with its meaning.

    Narrow images get more rows, so the text stays readable.

    Args:
        items (sequence[tuple[str, tuple]]): (text, RGB colour) pairs.
        width (int): Bar width.
        row_height (int): Height of one row.

    Returns:
        np.ndarray: (rows * row_height, width, 3) uint8 RGB.
    """
    per_row = max(1, min(len(items), width // _LEGEND_SLOT))
    rows = math.ceil(len(items) / per_row)
    bar = np.full((rows * row_height, width, 3), _BACKGROUND, np.uint8)
    slot = width // per_row
    swatch = row_height // 2
    for index, (text, colour) in enumerate(items):
        left = (index % per_row) * slot + 4
        top = (index // per_row) * row_height + (row_height - swatch) // 2
        cv2.rectangle(bar, (left, top), (left + swatch, top + swatch),
                      tuple(int(c) for c in colour), -1)
        cv2.rectangle(bar, (left, top), (left + swatch, top + swatch),
                      _TEXT, 1)
        scale = _fit_scale(text, slot - swatch - 12, row_height)
        (_, h), _ = cv2.getTextSize(text, _FONT, scale, 1)
        cv2.putText(bar, text, (left + swatch + 4, top + (swatch + h) // 2),
                    _FONT, scale, _TEXT, 1, cv2.LINE_AA)
    return bar


def compose_panel(images: Sequence[np.ndarray],
                  titles: Sequence[str],
                  legend: Optional[Sequence[LegendItem]] = None,
                  min_height: int = MIN_HEIGHT,
                  gap: int = 4) -> np.ndarray:
    """Images side by side with a title above each and a legend below.

    Images lower than ``min_height`` are enlarged by the smallest integer
    factor that reaches it (nearest neighbour, so pixels stay sharp).

    Args:
        images (sequence[np.ndarray]): (H, W, 3) uint8 RGB images of the
            same height.
        titles (sequence[str]): One title per image.
        legend (sequence[tuple[str, tuple]], optional): Colour legend.
        min_height (int): Smallest displayed image height.
        gap (int): White gap between images, in output pixels.

    Returns:
        np.ndarray: The (H', W', 3) uint8 RGB panel.
    """
    factor = max(1, math.ceil(min_height / images[0].shape[0]))
    shown: List[np.ndarray] = [upscale(image, factor) for image in images]
    height = shown[0].shape[0]
    row = []
    for index, image in enumerate(shown):
        if index:
            row.append(np.full((height, gap, 3), _BACKGROUND, np.uint8))
        row.append(image)
    body = np.concatenate(row, axis=1)
    parts = [_text_bar(titles, [i.shape[1] for i in shown], gap, 28), body]
    if legend:
        parts.append(legend_bar(legend, body.shape[1]))
    return np.concatenate(parts, axis=0)
