"""Pairs in nested folders keep their own names in every test output:
show-dir panels and masks, per-image CSV rows."""
import csv
import os
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import torch
from mmengine.structures import PixelData
from PIL import Image

from changefine_mm.datasets import CDDataset
from changefine_mm.evaluation import ChangeMetric
from changefine_mm.registry import TRANSFORMS
from changefine_mm.utils.pair_names import relative_names
from changefine_mm.visualization import (ChangeVisualizationHook,
                                         ChangeVisualizer,
                                         PredictionWriterHook)
from conftest import tree_state

PREFIX = dict(img_path_from='A', img_path_to='B', seg_map_path='label')
PIPELINE = [dict(type='MultiImgLoadImageFromFile'),
            dict(type='MultiImgLoadAnnotations'),
            dict(type='MultiImgPackSegInputs')]


def nested_root(root):
    """``A/s1/x.png`` and ``A/s2/x.png`` (same file name, two folders)."""
    for sub, value in (('s1', 0), ('s2', 255)):
        for folder in ('A', 'B', 'label'):
            os.makedirs(osp.join(root, folder, sub))
        image = np.full((8, 8, 3), value, np.uint8)
        cv2.imwrite(osp.join(root, 'A', sub, 'x.png'), image)
        cv2.imwrite(osp.join(root, 'B', sub, 'x.png'), image)
        label = np.zeros((8, 8), np.uint8)
        label[:4] = 255 if sub == 's2' else 0
        Image.fromarray(label).save(osp.join(root, 'label', sub, 'x.png'))
    return root


def predicted_samples(dataset):
    """Packed samples with the label as prediction."""
    samples = []
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        sample.pred_sem_seg = PixelData(data=sample.gt_sem_seg.data.clone())
        samples.append(sample)
    return samples


def test_nested_pairs_keep_their_names_in_panels_masks_and_csv(tmp_path):
    root = nested_root(str(tmp_path / 'data'))
    dataset = CDDataset(data_root=root, data_prefix=PREFIX,
                        pipeline=PIPELINE)
    samples = predicted_samples(dataset)
    assert [s.pair_name for s in samples] == ['s1/x.png', 's2/x.png']

    before = tree_state(str(tmp_path))
    out_dir = str(tmp_path / 'vis')
    ChangeVisualizer.get_instance('pair_names_test')
    hook = ChangeVisualizationHook(draw=True, out_dir=out_dir)
    hook.after_test_iter(SimpleNamespace(iter=0), 0, {}, samples)
    written = tree_state(out_dir)
    assert set(written) == {
        osp.join('s1', 'x.png'), osp.join('s2', 'x.png'),
        osp.join('masks', 's1', 'x.png'), osp.join('masks', 's2', 'x.png')
    }
    masks = [cv2.imread(osp.join(out_dir, 'masks', sub, 'x.png'), 0)
             for sub in ('s1', 's2')]
    assert masks[0].max() == 0 and masks[1][:4].min() == 255

    csv_path = str(tmp_path / 'vis' / 'scores.csv')
    metric = ChangeMetric(per_image_csv=csv_path)
    metric.process({}, [s.to_dict() for s in samples])
    metric.compute_metrics(metric.results)
    rows = list(csv.DictReader(open(csv_path)))
    assert [r['image'] for r in rows] == ['s1/x.png', 's2/x.png']
    assert tree_state(str(tmp_path), skip=out_dir) == before


def test_prediction_writer_mirrors_nested_folders(tmp_path):
    root = nested_root(str(tmp_path / 'data'))
    samples = predicted_samples(CDDataset(data_root=root, data_prefix=PREFIX,
                                          pipeline=PIPELINE))
    for sample in samples:
        sample.seg_logits = PixelData(
            data=torch.zeros((2, ) + sample.pred_sem_seg.shape))
    out_dir = str(tmp_path / 'pred')
    hook = PredictionWriterHook(out_dir=out_dir)
    hook.before_test(None)
    hook.after_test_iter(None, 0, {}, samples)
    assert set(tree_state(out_dir)) == {
        osp.join(kind, sub, 'x' + ext) for kind, ext in (('masks', '.png'),
                                                         ('probs', '.tif'))
        for sub in ('s1', 's2')}


def test_list_files_name_pairs_below_their_common_folder(tmp_path):
    root = nested_root(str(tmp_path))
    (tmp_path / 'list.txt').write_text(
        'A/s1/x.png B/s1/x.png label/s1/x.png\n'
        'A/s2/x.png B/s2/x.png label/s2/x.png\n')
    dataset = CDDataset(data_root=root, ann_file='list.txt')
    assert [dataset.get_data_info(i)['pair_name'] for i in range(2)] == [
        's1/x.png', 's2/x.png']


def test_names_without_a_dataset_fall_back_to_the_file_name():
    pack = TRANSFORMS.build(dict(type='MultiImgPackSegInputs'))
    images = [np.zeros((2, 2, 3), np.uint8)] * 2
    packed = pack(dict(img=images, img_path=['a/s1/x.png', 'b/s1/x.png']))
    metric = ChangeMetric()
    sample = packed['data_samples']
    sample.pred_sem_seg = PixelData(data=torch.zeros(1, 2, 2))
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 2, 2))
    metric.process({}, [sample.to_dict()])
    assert metric.results[0][0] == 'x.png'
    assert relative_names([]) == []
