"""Annotated panels: titles, legend, minimum size, outlines."""
import numpy as np

from changefine_mm.visualization import ChangeVisualizer, overlay_changes
from changefine_mm.visualization.change_visualizer import (FN_COLOUR,
                                                           FP_COLOUR,
                                                           TP_COLOUR,
                                                           change_legend)
from changefine_mm.visualization.panel import compose_panel, legend_bar


def _has_colour(image, colour):
    return bool((image == np.array(colour, np.uint8)).all(-1).any())


def test_compose_panel_enlarges_titles_and_legend():
    image = np.zeros((64, 48, 3), np.uint8)
    image[10, 10] = 200
    panel = compose_panel([image, image], ['date A', 'date B'],
                          change_legend(True), min_height=256, gap=4)
    # 64 -> 256 (factor 4, nearest), a 28 px title bar, a legend below
    assert panel.shape[1] == 2 * 48 * 4 + 4
    body = panel[28:28 + 256]
    assert (body[40:44, 40:44] == 200).all()  # one pixel, 4x4, not blurred
    assert body[39, 40].max() == 0 and body[44, 44].max() == 0
    titles = panel[:28]
    assert titles.min() < 100, 'no title text drawn'
    legend = panel[28 + 256:]
    assert legend.shape[0] >= 28
    for colour in (TP_COLOUR, FP_COLOUR, FN_COLOUR):
        assert _has_colour(legend, colour)
    # large images are not enlarged
    big = compose_panel([np.zeros((300, 20, 3), np.uint8)], ['x'])
    assert big.shape[0] == 28 + 300


def test_legend_wraps_on_narrow_images():
    assert legend_bar(change_legend(True), 900).shape[0] == 28
    assert legend_bar(change_legend(True), 200).shape[0] == 3 * 28


def test_outline_is_opaque_and_blocks_join_without_seams():
    image = np.zeros((8, 8, 3), np.uint8)
    pred = np.zeros((8, 8), np.uint8)
    pred[2:7, 2:7] = 1
    out = overlay_changes(image, pred, alpha=0.5)
    assert _has_colour(out[2:3, 2:7], (255, 0, 255))  # boundary: opaque
    assert tuple(out[4, 4]) == (128, 0, 128)  # inside: blended
    full = overlay_changes(image, np.ones((8, 8), np.uint8), alpha=0.5)
    assert (full == np.array([128, 0, 128])).all()  # image edge: no line


def test_annotated_panel_from_visualizer():
    visualizer = ChangeVisualizer(name='annotated_panel_test', alpha=1.0)
    image = np.full((32, 32, 3), 90, np.uint8)
    pred = np.zeros((32, 32), np.uint8)
    pred[:16] = 1
    label = np.zeros((32, 32), np.uint8)
    label[8:24] = 1
    panel = visualizer.draw_pair(image, image, pred, label, annotate=True)
    assert panel.shape[1] == 3 * 256 + 2 * 4  # 32 px -> 256 px
    body = panel[28:28 + 256]
    overlay = body[:, 2 * (256 + 4):]
    assert _has_colour(overlay, TP_COLOUR)
    assert _has_colour(overlay, FP_COLOUR)
    assert _has_colour(overlay, FN_COLOUR)
    plain = visualizer.draw_pair(image, image, pred, label)
    assert plain.shape == (32, 3 * 32 + 2 * 4, 3)
