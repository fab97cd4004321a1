"""ChangeMetric against hand-computed confusion matrices."""
import csv

import numpy as np
import pytest
import torch

from changefine_mm.evaluation import (ChangeMetric, change_scores,
                                      confusion_matrix)


def sample(pred, label, name):
    return dict(
        pred_sem_seg=dict(data=torch.tensor(pred)[None]),
        gt_sem_seg=dict(data=torch.tensor(label)[None]),
        img_path=[name, name.replace('A', 'B')])


PAIRS = [
    # pred, label: TP=2 FP=1 FN=1 TN=1 (+1 ignored pixel)
    ([[1, 1, 1], [0, 0, 1]], [[1, 1, 0], [1, 0, 255]], 'A/one.png'),
    # TP=0 FP=0 FN=2 TN=4
    ([[0, 0, 0], [0, 0, 0]], [[1, 1, 0], [0, 0, 0]], 'A/two.png'),
]


def test_confusion_matrix_ignores_ignore_index():
    pred, label, _ = PAIRS[0]
    matrix = confusion_matrix(
        torch.tensor(pred), torch.tensor(label), 2, 255)
    np.testing.assert_array_equal(matrix, [[1, 1], [1, 2]])


def test_scores_from_hand_computed_totals():
    metric = ChangeMetric()
    metric.dataset_meta = dict(classes=('unchanged', 'changed'))
    metric.process({}, [sample(*pair) for pair in PAIRS])
    scores = metric.compute_metrics(metric.results)
    tp, fp, fn, tn = 2, 1, 3, 5
    total = tp + fp + fn + tn
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    oa = (tp + tn) / total
    chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / total**2
    expected = dict(
        Precision=precision,
        Recall=recall,
        F1=2 * precision * recall / (precision + recall),
        IoU=tp / (tp + fp + fn),
        OA=oa,
        Kappa=(oa - chance) / (1 - chance),
        mIoU=(tn / (tn + fp + fn) + tp / (tp + fp + fn)) / 2)
    for key, value in expected.items():
        assert scores[key] == pytest.approx(100 * value), key


def test_dataset_wide_not_per_image_average():
    # Per-image F1 would average 80 % and 0 %; the dataset matrix gives 50 %.
    metric = ChangeMetric()
    metric.process({}, [sample(*pair) for pair in PAIRS])
    assert metric.compute_metrics(metric.results)['F1'] == pytest.approx(
        100 * 2 * (2 / 3) * (2 / 5) / (2 / 3 + 2 / 5))


def test_split_results_equal_single_process():
    """What mmengine gathers from two ranks scores like one process."""
    whole = ChangeMetric()
    whole.process({}, [sample(*pair) for pair in PAIRS])
    rank0, rank1 = ChangeMetric(), ChangeMetric()
    rank0.process({}, [sample(*PAIRS[0])])
    rank1.process({}, [sample(*PAIRS[1])])
    assert whole.compute_metrics(rank0.results + rank1.results) == \
        whole.compute_metrics(whole.results)


def test_undefined_ratios_are_zero():
    scores = change_scores(np.array([[10, 0], [0, 0]]))
    assert scores['Precision'] == scores['Recall'] == scores['F1'] == 0
    assert scores['OA'] == 100


def test_per_image_csv(tmp_path):
    path = tmp_path / 'scores' / 'per_image.csv'
    metric = ChangeMetric(per_image_csv=str(path))
    metric.process({}, [sample(*pair) for pair in PAIRS])
    metric.compute_metrics(metric.results)
    rows = list(csv.DictReader(path.open()))
    assert [r['image'] for r in rows] == ['one.png', 'two.png']
    assert float(rows[0]['F1']) == pytest.approx(100 * 2 / 3)
    assert float(rows[1]['Recall']) == 0


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match='differ in shape'):
        confusion_matrix(torch.zeros(2, 2), torch.zeros(3, 2), 2, 255)
