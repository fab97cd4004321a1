"""SCDMetric against hand-computed values and open-cd's SCDMetric.

The known inputs give the semantic confusion matrix (rows = label,
columns = prediction, both dates' pixels together)::

    q = [[12, 2, 0],
         [ 4, 4, 2],
         [ 0, 2, 6]]      (N = 32, class 0 = no change)

and the binary change counts TP 3, FP 1, FN 2, TN 10 (16 pixels).
"""
import csv
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch

from changefine_mm.evaluation import (SCDMetric, semantic_change_scores,
                                      transition_matrix)
from changefine_mm.registry import METRICS

CLASSES = ('unchanged', 'water', 'building')
Q = np.array([[12, 2, 0], [4, 4, 2], [0, 2, 6]])
REFERENCE = osp.join(osp.dirname(__file__), 'data', 'opencd_scd_metric',
                     'reference.json')


def pixel_pairs(matrix: np.ndarray):
    """(label, prediction) of every pixel counted by ``matrix``."""
    pairs = [(i, j) for i in range(len(matrix)) for j in range(len(matrix))
             for _ in range(matrix[i, j])]
    return np.array(pairs).T


def sample(binary_label, binary_pred, sem_label, sem_pred, name):
    """A test sample in the dict form metrics receive (2x4 maps)."""

    def field(values):
        return dict(data=torch.as_tensor(np.reshape(values, (1, 2, 4))))

    return dict(gt_sem_seg=field(binary_label),
                pred_sem_seg=field(binary_pred),
                gt_sem_seg_from=field(sem_label[:8]),
                pred_sem_seg_from=field(sem_pred[:8]),
                gt_sem_seg_to=field(sem_label[8:]),
                pred_sem_seg_to=field(sem_pred[8:]),
                pair_name=name)


def known_samples():
    """Two samples whose pixels make ``Q`` and TP 3 / FP 1 / FN 2 / TN 10.

    The pixels are shuffled so that each sample and date gets a mix.
    """
    rng = np.random.default_rng(0)
    labels, preds = pixel_pairs(Q)
    order = rng.permutation(len(labels))
    labels, preds = labels[order], preds[order]
    binary_label = np.array([1] * 3 + [0] * 1 + [1] * 2 + [0] * 10)
    binary_pred = np.array([1] * 3 + [1] * 1 + [0] * 2 + [0] * 10)
    order = rng.permutation(16)
    binary_label, binary_pred = binary_label[order], binary_pred[order]
    return [
        sample(binary_label[8 * i:8 * i + 8], binary_pred[8 * i:8 * i + 8],
               labels[16 * i:16 * i + 16], preds[16 * i:16 * i + 16],
               f'p{i}.png') for i in range(2)
    ]


def run_metric(samples, **kwargs):
    metric = METRICS.build(dict(type='SCDMetric', **kwargs))
    metric.dataset_meta = dict(classes=('unchanged', 'changed'),
                               semantic_classes=CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_semantic_change_scores_by_hand():
    scores = semantic_change_scores(Q)
    # SeK: q with q00 = 0 -> [[0,2,0],[4,4,2],[0,2,6]], N' = 20.
    # po = (0 + 4 + 6) / 20 = 0.5; rows 2, 10, 8; columns 4, 8, 8;
    # pe = (2*4 + 10*8 + 8*8) / 20**2 = 152 / 400 = 0.38;
    # kappa = (0.5 - 0.38) / (1 - 0.38) = 0.12 / 0.62.
    # IoU_change = (4 + 2 + 2 + 6) / (32 - 12) = 14 / 20 = 0.7.
    kappa = 0.12 / 0.62
    sek = kappa * math.exp(0.7 - 1)
    assert scores['SeK'] == pytest.approx(100 * sek)
    assert scores['SeK'] == pytest.approx(14.33841, abs=1e-4)
    # IoU_nochange = 12 / (32 - 14) = 2/3; mIoU = (0.7 + 2/3) / 2.
    miou = (0.7 + 2 / 3) / 2
    assert scores['mIoU_scd'] == pytest.approx(100 * miou)
    assert scores['Score'] == pytest.approx(100 * (0.3 * miou + 0.7 * sek))
    # Correctly classified changed pixels: 4 + 6 = 10; predicted changed:
    # columns 1, 2 = 8 + 8 = 16; labelled changed: rows 1, 2 = 10 + 8 = 18.
    assert scores['P_scd'] == pytest.approx(100 * 10 / 16)
    assert scores['R_scd'] == pytest.approx(100 * 10 / 18)
    assert scores['F_scd'] == pytest.approx(100 * 2 * 10 / (16 + 18))


def test_perfect_prediction_and_empty_change():
    perfect = semantic_change_scores(np.diag([10, 3, 4]))
    assert perfect['SeK'] == pytest.approx(100)
    assert perfect['F_scd'] == pytest.approx(100)
    # No change anywhere, none predicted: every ratio is 0/0 -> 0.
    nothing = semantic_change_scores(np.diag([10, 0, 0]))
    assert nothing['SeK'] == 0 and nothing['F_scd'] == 0


def test_metric_keys_and_values():
    scores = run_metric(known_samples(), iou_metrics=['mFscore', 'mIoU'],
                        cal_sek=True)
    # Binary: P 3/4, R 3/5, F1 2/3, IoU 3/6, OA 13/16; unchanged IoU
    # 10/13, so mIoU = (1/2 + 10/13) / 2.
    assert scores['binary/Precision'] == pytest.approx(75)
    assert scores['binary/Recall'] == pytest.approx(60)
    assert scores['binary/F1'] == pytest.approx(200 / 3)
    assert scores['binary/IoU'] == pytest.approx(50)
    assert scores['binary/OA'] == pytest.approx(100 * 13 / 16)
    binary_miou = 100 * (0.5 + 10 / 13) / 2
    assert scores['binary/mIoU'] == pytest.approx(binary_miou)
    # Semantic class IoUs of Q: 12/(14+16-12), 4/(10+8-4), 6/(8+8-6).
    ious = [12 / 18, 4 / 14, 6 / 10]
    assert scores['semantic/mIoU'] == pytest.approx(100 * np.mean(ious))
    assert scores['semantic/aAcc'] == pytest.approx(100 * 22 / 32)
    sek = semantic_change_scores(Q)['SeK']
    assert scores['semantic/Sek'] == pytest.approx(sek)
    assert scores['semantic/SeK'] == pytest.approx(sek)
    assert scores['semantic/SCD_Score'] == pytest.approx(0.3 * binary_miou +
                                                         0.7 * sek)
    assert {'semantic/F_scd', 'semantic/mIoU_scd', 'semantic/Score',
            'binary/mFscore', 'semantic/mPrecision'} <= set(scores)


def test_same_scores_as_opencd_scd_metric():
    """open-cd's SCDMetric on the same inputs (reference.json, made by the
    script next to it): its keys are ours, rounded to 2 decimals."""
    with open(REFERENCE) as f:
        reference = json.load(f)['scores']
    ours = run_metric(known_samples(), iou_metrics=['mFscore', 'mIoU'],
                      cal_sek=True)
    for key, value in reference.items():
        assert ours[key] == pytest.approx(value, abs=0.006), key


def test_ignored_pixels_do_not_count():
    edited = known_samples()
    expected = Q.copy()
    for s in edited:
        label = s['gt_sem_seg_from']['data'][0, 0, :2]
        pred = s['pred_sem_seg_from']['data'][0, 0, :2]
        for i, j in zip(label.tolist(), pred.tolist()):
            expected[i, j] -= 1
        label[:] = 255
    assert expected.sum() == Q.sum() - 4
    scores = run_metric(edited, cal_sek=True)
    assert scores['semantic/SeK'] == pytest.approx(
        semantic_change_scores(expected)['SeK'])
    assert scores['binary/F1'] == pytest.approx(200 / 3)


def test_ranks_gathered_equal_one_process():
    """Distributed evaluation gathers the per-image results of every rank
    before compute_metrics: the split equals the whole."""
    samples = known_samples()
    halves = []
    for part in ([samples[0]], [samples[1]]):
        metric = SCDMetric(cal_sek=True)
        metric.dataset_meta = dict(semantic_classes=CLASSES)
        metric.process({}, part)
        halves.extend(metric.results)
    whole = SCDMetric(cal_sek=True)
    whole.dataset_meta = dict(semantic_classes=CLASSES)
    assert whole.compute_metrics(halves) == run_metric(samples, cal_sek=True)


def test_per_image_csv(tmp_path):
    path = str(tmp_path / 'scores' / 'scd.csv')
    run_metric(known_samples(), cal_sek=True, per_image_csv=path)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [r['image'] for r in rows] == ['p0.png', 'p1.png']
    assert set(rows[0]) == {'image', 'F1', 'IoU', 'OA', 'SeK', 'mIoU_scd',
                            'F_scd'}


def test_predictions_beyond_the_classes_are_left_out():
    samples = known_samples()
    pred = samples[0]['pred_sem_seg_from']['data']
    label = samples[0]['gt_sem_seg_from']['data']
    expected = Q.copy()
    expected[int(label[0, 0, 0]), int(pred[0, 0, 0])] -= 1
    pred[0, 0, 0] = 5
    scores = run_metric(samples, cal_sek=True)
    assert scores['semantic/SeK'] == pytest.approx(
        semantic_change_scores(expected)['SeK'])


def test_unknown_iou_metric():
    with pytest.raises(KeyError, match='mDice'):
        SCDMetric(iou_metrics=['mDice'])


def test_transition_matrix_counts_changed_pixels_only():
    change = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    cover_from = torch.tensor([[1, 1, 2, 1], [0, 255, 2, 2]])
    cover_to = torch.tensor([[2, 2, 1, 1], [2, 1, 2, 2]])
    # Changed and both classes known: (1->2) twice, (2->1), (0->2).
    expected = np.zeros((3, 3), np.int64)
    expected[1, 2], expected[2, 1], expected[0, 2] = 2, 1, 1
    np.testing.assert_array_equal(
        transition_matrix(change, cover_from, cover_to, 3), expected)


def test_log_shows_transition_tables(capsys):
    from mmengine.logging import MMLogger
    MMLogger.get_instance('scd_metric_test')
    run_metric(known_samples(), cal_sek=True)
    out = capsys.readouterr().out
    assert 'from -> to transitions of the changed pixels (label' in out
    assert 'from -> to transitions of the changed pixels (prediction' in out


def test_binary_dataset_is_a_clear_error():
    metric = SCDMetric()
    metric.dataset_meta = dict(classes=('unchanged', 'changed'))
    with pytest.raises(KeyError, match='semantic_classes'):
        metric.process({}, known_samples())
