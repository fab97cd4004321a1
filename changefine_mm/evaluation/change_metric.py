"""ChangeMetric: change-detection scores from one dataset-wide confusion
matrix."""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log

from changefine_mm.registry import METRICS
from changefine_mm.utils.pair_names import sample_pair_name


def confusion_matrix(pred: torch.Tensor, label: torch.Tensor,
                     num_classes: int, ignore_index: int) -> np.ndarray:
    """Count (label, prediction) pairs, skipping ``ignore_index`` pixels.

    Args:
        pred (Tensor): Predicted class per pixel.
        label (Tensor): Ground-truth class per pixel, same shape.
        num_classes (int): Number of classes.
        ignore_index (int): Label value to skip.

    Returns:
        np.ndarray: int64 (num_classes, num_classes) matrix, rows = label.
    """
    if pred.shape != label.shape:
        raise ValueError(f'prediction {tuple(pred.shape)} and label '
                         f'{tuple(label.shape)} differ in shape')
    keep = label != ignore_index
    pairs = label[keep].long() * num_classes + pred[keep].long()
    counts = torch.bincount(pairs.flatten(), minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes).cpu().numpy()


def change_scores(matrix: np.ndarray, changed_class: int = 1) -> Dict[str,
                                                                      float]:
    """Scores of the changed class from a confusion matrix.

    Undefined ratios (0/0, e.g. recall without any changed pixel) are 0.

    Args:
        matrix (np.ndarray): (C, C) confusion matrix, rows = label.
        changed_class (int): Index of the 'changed' class.

    Returns:
        dict: Precision, Recall, F1, IoU (changed class), OA, Kappa and
        the class means of :func:`mean_class_scores`, all in percent.
    """
    matrix = matrix.astype(np.float64)
    total = matrix.sum()
    tp = matrix[changed_class, changed_class]
    fp = matrix[:, changed_class].sum() - tp
    fn = matrix[changed_class, :].sum() - tp
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    agreement = _ratio(np.trace(matrix), total)
    chance = _ratio((matrix.sum(0) * matrix.sum(1)).sum(), total**2)
    scores = dict(
        Precision=precision,
        Recall=recall,
        F1=_ratio(2 * precision * recall, precision + recall),
        IoU=_ratio(tp, tp + fp + fn),
        OA=agreement,
        Kappa=_ratio(agreement - chance, 1 - chance))
    scores = {key: 100.0 * value for key, value in scores.items()}
    scores.update(mean_class_scores(matrix))
    return scores


def mean_class_scores(matrix: np.ndarray) -> Dict[str, float]:
    """mmseg ``IoUMetric``'s summary (what open-cd reports), unrounded.

    open-cd evaluates with ``mmseg.IoUMetric(iou_metrics=['mFscore',
    'mIoU'])``: per-class IoU, accuracy (= recall), precision and F-score
    (beta 1), each averaged over the classes where it is defined (a class
    absent from labels and predictions has no IoU and does not count),
    plus the pixel accuracy ``aAcc``. mmseg rounds to two decimals; these
    are not rounded. A mean with no defined class is 0.

    Args:
        matrix (np.ndarray): (C, C) confusion matrix, rows = label.

    Returns:
        dict: aAcc, mIoU, mAcc, mFscore, mPrecision, mRecall in percent.
    """
    matrix = matrix.astype(np.float64)
    intersect = np.diag(matrix)
    area_label = matrix.sum(1)
    area_pred = matrix.sum(0)
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = intersect / (area_label + area_pred - intersect)
        recall = intersect / area_label
        precision = intersect / area_pred
        fscore = 2 * precision * recall / (precision + recall)
    means = dict(mIoU=iou, mAcc=recall, mFscore=fscore,
                 mPrecision=precision, mRecall=recall)
    scores = dict(aAcc=100.0 * _ratio(intersect.sum(), area_label.sum()))
    for key, values in means.items():
        defined = values[~np.isnan(values)]
        scores[key] = 100.0 * float(defined.mean()) if defined.size else 0.
    return scores


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


@METRICS.register_module()
class ChangeMetric(BaseMetric):
    """Precision, recall, F1, IoU, OA and Kappa of change detection.

    Every image adds its confusion matrix to one dataset-wide matrix, from
    which the scores are computed once (not averaged per image). Under
    distributed evaluation mmengine gathers the per-image matrices from all
    ranks before :meth:`compute_metrics`, so the result equals a
    single-process run. Scores are percentages of the changed class
    (``IoU``, ``F1``, ...), plus open-cd's (mmseg ``IoUMetric``'s) class
    means ``aAcc``, ``mIoU``, ``mAcc``, ``mFscore``, ``mPrecision`` and
    ``mRecall`` (see :func:`mean_class_scores`), so that numbers compare
    with open-cd's logs and ``save_best='mIoU'`` or ``'mFscore'`` work.

    Args:
        changed_class (int): Index of the 'changed' class. Defaults to 1.
        ignore_index (int): Label value excluded. Defaults to 255.
        per_image_csv (str, optional): Write one CSV row of scores per
            image here (rank 0), e.g. to find the worst tiles. Rows are
            named by the pair's path relative to its A folder
            (``s1/x.png``).
        collect_device (str): 'cpu' or 'gpu' for gathering results.
        prefix (str, optional): Prefix of the metric names.
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 changed_class: int = 1,
                 ignore_index: int = 255,
                 per_image_csv: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.changed_class = changed_class
        self.ignore_index = ignore_index
        self.per_image_csv = per_image_csv

    def _num_classes(self) -> int:
        classes = (self.dataset_meta or {}).get('classes')
        return len(classes) if classes else 2

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Add each image's confusion matrix to ``self.results``."""
        num_classes = self._num_classes()
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze()
            label = sample['gt_sem_seg']['data'].squeeze().to(pred.device)
            self.results.append(
                (sample_pair_name(sample) or str(len(self.results)),
                 confusion_matrix(pred, label, num_classes,
                                  self.ignore_index)))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """Sum the matrices and score them.

        Args:
            results (list[tuple]): (image name, confusion matrix) pairs.

        Returns:
            dict[str, float]: The scores of :func:`change_scores`.
        """
        total = sum(matrix for _, matrix in results)
        scores = change_scores(total, self.changed_class)
        if self.per_image_csv:
            self._write_csv(results)
        logger: MMLogger = MMLogger.get_current_instance()
        print_log(
            'change detection: ' + ', '.join(
                f'{k} {v:.2f}' for k, v in scores.items()) +
            f' (TP/FP/FN/TN pixels: {self._counts(total)})',
            logger=logger)
        return scores

    def _counts(self, matrix: np.ndarray) -> str:
        c = self.changed_class
        tp = matrix[c, c]
        fp = matrix[:, c].sum() - tp
        fn = matrix[c, :].sum() - tp
        return f'{tp}/{fp}/{fn}/{matrix.sum() - tp - fp - fn}'

    def _write_csv(self, results: List[tuple]) -> None:
        folder = osp.dirname(self.per_image_csv)
        if folder:
            os.makedirs(folder, exist_ok=True)
        fields = ['image', 'Precision', 'Recall', 'F1', 'IoU', 'OA']
        with open(self.per_image_csv, 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(fields)
            for name, matrix in results:
                scores = change_scores(matrix, self.changed_class)
                writer.writerow([name] +
                                [f'{scores[k]:.4f}' for k in fields[1:]])
