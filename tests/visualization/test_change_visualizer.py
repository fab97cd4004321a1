"""Overlay colours and the A | B | overlay panel."""
import numpy as np
import torch
from mmcv import imread
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.visualization import ChangeVisualizer, overlay_changes
from changefine_mm.visualization.change_visualizer import (FN_COLOUR,
                                                           FP_COLOUR,
                                                           PRED_COLOUR,
                                                           TP_COLOUR)


def test_overlay_paints_tp_fp_fn():
    image = np.zeros((1, 4, 3), np.uint8)
    pred = np.array([[1, 1, 0, 0]])
    label = np.array([[1, 0, 1, 0]])
    out = overlay_changes(image, pred, label, alpha=1.0)
    assert tuple(out[0, 0]) == TP_COLOUR
    assert tuple(out[0, 1]) == FP_COLOUR
    assert tuple(out[0, 2]) == FN_COLOUR
    assert tuple(out[0, 3]) == (0, 0, 0)
    without_label = overlay_changes(image, pred, alpha=1.0)
    assert tuple(without_label[0, 1]) == PRED_COLOUR


def test_add_datasample_writes_panel_and_mask(tmp_path):
    visualizer = ChangeVisualizer(name='panel_test', alpha=1.0)
    image_a = np.full((6, 5, 3), 10, np.uint8)
    image_b = np.full((6, 5, 3), 20, np.uint8)
    sample = SegDataSample()
    pred = torch.zeros(1, 6, 5, dtype=torch.long)
    pred[0, 0, 0] = 1
    sample.pred_sem_seg = PixelData(data=pred)
    sample.gt_sem_seg = PixelData(data=pred.clone())
    out_file = str(tmp_path / 'pair.png')
    panel = visualizer.add_datasample('pair', image_a, image_b, sample,
                                      out_file=out_file)
    assert panel.shape == (6, 3 * 5 + 2 * 4, 3)
    written = imread(out_file, channel_order='rgb')
    np.testing.assert_array_equal(written, panel)
    assert tuple(written[0, 2 * (5 + 4)]) == TP_COLOUR
    mask = imread(str(tmp_path / 'masks' / 'pair.png'), flag='unchanged')
    assert mask[0, 0] == 255 and mask.sum() == 255
