"""Semantic change panels: A | B | from map | to map | change."""
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.datasets import SECONDDataset
from changefine_mm.visualization import ChangeVisualizer
from changefine_mm.visualization.scd_panel import (colour_classes,
                                                   semantic_classes_of)

META = dict(SECONDDataset.METAINFO, reduce_semantic_zero_label=True)


def scd_sample(covered: bool) -> SegDataSample:
    change = torch.zeros(1, 8, 8, dtype=torch.int64)
    change[:, 2:5, 2:5] = 1
    sample = SegDataSample()
    sample.pred_sem_seg = PixelData(data=change)
    sample.gt_sem_seg = PixelData(data=change.clone())
    sample.set_data(dict(pred_sem_seg_from=PixelData(data=change * 5),
                         pred_sem_seg_to=PixelData(data=change * 1)))
    if covered:
        sample.set_metainfo(dict(semantic_covered=True))
    return sample


def test_colour_classes_and_ignored():
    palette = [[1, 2, 3], [4, 5, 6]]
    image = colour_classes(np.array([[0, 1, 255]]), palette)
    assert image.tolist() == [[[1, 2, 3], [4, 5, 6], [40, 40, 40]]]


def test_class_names_follow_cover_semantic():
    covered, _ = semantic_classes_of(scd_sample(True), META)
    assert covered[0] == 'unchanged' and covered[5] == 'building'
    reduced, palette = semantic_classes_of(scd_sample(False), META)
    assert reduced[0] == 'water' and palette[0] == [0, 0, 255]


def test_visualizer_draws_five_columns_for_scd_samples():
    visualizer = ChangeVisualizer(name='scd_panel_test', min_height=8)
    visualizer.dataset_meta = META
    image = np.full((8, 8, 3), 100, np.uint8)
    binary = visualizer.add_datasample('x', image, image, SegDataSample(
        pred_sem_seg=scd_sample(True).pred_sem_seg), annotate=True)
    panel = visualizer.add_datasample('x', image, image, scd_sample(True),
                                      annotate=True)
    assert panel.shape[1] > binary.shape[1] * 1.5
    # The 'from' column (third image) shows building's colour inside the
    # change and unchanged's (white) outside it.
    building = META['semantic_palette'][5]
    assert (panel.reshape(-1, 3) == building).all(axis=1).any()
