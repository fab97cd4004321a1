"""ChangeMetric's class means equal open-cd's evaluator.

open-cd evaluates binary change detection with
``mmseg.IoUMetric(iou_metrics=['mFscore', 'mIoU'])`` (installed here), so
the same predictions must give the same aAcc, mIoU, mAcc, mFscore,
mPrecision and mRecall (mmseg rounds to two decimals).
"""
import numpy as np
import pytest
import torch
from mmseg.evaluation import IoUMetric

from changefine_mm.evaluation import ChangeMetric
from changefine_mm.evaluation.change_metric import mean_class_scores

KEYS = ('aAcc', 'mIoU', 'mAcc', 'mFscore', 'mPrecision', 'mRecall')
META = dict(classes=('unchanged', 'changed'))


def samples(seed, changed=True):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(3):
        label = (rng.random((16, 12)) < 0.3).astype(np.int64)
        pred = np.where(rng.random((16, 12)) < 0.8, label, 1 - label)
        label[rng.random((16, 12)) < 0.1] = 255
        if not changed:
            label[label == 1], pred[:] = 0, 0
        out.append(dict(pred_sem_seg=dict(data=torch.from_numpy(pred)[None]),
                        gt_sem_seg=dict(data=torch.from_numpy(label)[None])))
    return out


def scores_of(metric, data_samples):
    metric.dataset_meta = META
    metric.process({}, data_samples)
    return metric.compute_metrics(metric.results)


@pytest.mark.parametrize('seed, changed', [(0, True), (1, True),
                                           (2, False)])
def test_class_means_equal_mmseg_iou_metric(seed, changed):
    theirs = scores_of(IoUMetric(iou_metrics=['mFscore', 'mIoU']),
                       samples(seed, changed))
    ours = scores_of(ChangeMetric(), samples(seed, changed))
    assert set(KEYS) <= set(theirs) and set(KEYS) <= set(ours)
    for key in KEYS:
        assert ours[key] == pytest.approx(theirs[key], abs=0.005), key


def test_unrounded_formula_equals_mmseg():
    matrix = np.array([[50, 7], [4, 19]])
    intersect = torch.tensor(np.diag(matrix), dtype=torch.float64)
    area_pred = torch.tensor(matrix.sum(0), dtype=torch.float64)
    area_label = torch.tensor(matrix.sum(1), dtype=torch.float64)
    union = area_pred + area_label - intersect
    theirs = IoUMetric.total_area_to_metrics(intersect, union, area_pred,
                                             area_label,
                                             ['mIoU', 'mFscore'])
    ours = mean_class_scores(matrix)
    assert ours['aAcc'] == pytest.approx(100 * float(theirs['aAcc']))
    for key, name in (('mIoU', 'IoU'), ('mAcc', 'Acc'), ('mFscore', 'Fscore'),
                      ('mPrecision', 'Precision'), ('mRecall', 'Recall')):
        assert ours[key] == pytest.approx(
            100 * float(np.nanmean(np.asarray(theirs[name])))), key


def test_changed_class_scores_are_the_per_class_row():
    """open-cd users read the 'changed' row of mmseg's table: our IoU, F1,
    Precision and Recall."""
    matrix = np.array([[50, 7], [4, 19]])
    ours = ChangeMetric()
    ours.dataset_meta = META
    scores = ours.compute_metrics([('x', matrix)])
    assert scores['IoU'] == pytest.approx(100 * 19 / (19 + 7 + 4))
    assert scores['F1'] == pytest.approx(100 * 2 * 19 / (2 * 19 + 7 + 4))
