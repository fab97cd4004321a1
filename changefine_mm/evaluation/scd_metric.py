"""SCDMetric: semantic change detection scores (SeK, mIoU, F_scd) from
dataset-wide confusion matrices."""
import csv
import logging
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from changefine_mm.registry import METRICS
from changefine_mm.utils.pair_names import sample_pair_name
from .change_metric import (_ratio, change_scores, confusion_matrix,
                            mean_class_scores)

# mmseg IoUMetric's iou_metrics -> the summary keys each one reports.
IOU_METRIC_KEYS = dict(mIoU=('mIoU', 'mAcc'),
                       mFscore=('mFscore', 'mPrecision', 'mRecall'))


def semantic_change_scores(matrix: np.ndarray) -> Dict[str, float]:
    """The field's semantic change scores from a from-to confusion matrix.

    ``matrix`` counts (label class, predicted class) over the pixels of
    both dates' semantic maps, where class 0 is 'no change' (a pixel's
    class is its land cover only where it changed), as SECOND's
    evaluation does. With q the matrix, N its sum:

    - SeK (Yang et al., SECOND, TPAMI 2022): Cohen's kappa of q with q00
      set to 0, times ``exp(IoU_change - 1)``, where IoU_change =
      sum(q[1:, 1:]) / (N - q00).
    - mIoU_scd: mean of IoU_change and IoU_nochange = q00 / (N -
      sum(q[1:, 1:])); Score = 0.3 mIoU_scd + 0.7 SeK.
    - F_scd (Ding et al., Bi-SRNet, TGRS 2022): F1 of P_scd = sum_{i>0}
      q_ii / sum(q[:, 1:]) (of the pixels predicted changed, those with
      the right class) and R_scd = sum_{i>0} q_ii / sum(q[1:, :]).

    Undefined ratios are 0.

    Args:
        matrix (np.ndarray): (K, K) confusion matrix, rows = label.

    Returns:
        dict: SeK, mIoU_scd, Score, F_scd, P_scd, R_scd in percent.
    """
    q = matrix.astype(np.float64)
    total, q00 = q.sum(), q[0, 0]
    changed_hits = q[1:, 1:].sum()
    iou_change = _ratio(changed_hits, total - q00)
    iou_nochange = _ratio(q00, total - changed_hits)
    without_q00 = q.copy()
    without_q00[0, 0] = 0
    kappa = _kappa(without_q00)
    sek = kappa * math.exp(iou_change - 1)
    miou = (iou_change + iou_nochange) / 2
    correct_changed = np.trace(q) - q00
    precision = _ratio(correct_changed, q[:, 1:].sum())
    recall = _ratio(correct_changed, q[1:, :].sum())
    scores = dict(SeK=sek, mIoU_scd=miou, Score=0.3 * miou + 0.7 * sek,
                  F_scd=_ratio(2 * precision * recall, precision + recall),
                  P_scd=precision, R_scd=recall)
    return {key: 100.0 * value for key, value in scores.items()}


def transition_matrix(change: torch.Tensor, cover_from: torch.Tensor,
                      cover_to: torch.Tensor, num_classes: int) -> np.ndarray:
    """Count from -> to class pairs over the changed pixels.

    Args:
        change (Tensor): (H, W) binary change (1 = changed).
        cover_from (Tensor): (H, W) classes of date A.
        cover_to (Tensor): (H, W) classes of date B.
        num_classes (int): K; pixels with a class outside 0..K-1 (ignored)
            are not counted.

    Returns:
        np.ndarray: int64 (K, K) matrix, rows = class in A, columns = class
        in B.
    """
    change, cover_from, cover_to = (t.cpu()
                                    for t in (change, cover_from, cover_to))
    keep = (change == 1) & (cover_from < num_classes) & (cover_to <
                                                         num_classes)
    pairs = cover_from[keep].long() * num_classes + cover_to[keep].long()
    counts = torch.bincount(pairs.flatten(), minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes).cpu().numpy()


def _kappa(matrix: np.ndarray) -> float:
    total = matrix.sum()
    agreement = _ratio(np.trace(matrix), total)
    chance = _ratio((matrix.sum(0) * matrix.sum(1)).sum(), total**2)
    return _ratio(agreement - chance, 1 - chance)


@METRICS.register_module()
class SCDMetric(BaseMetric):
    """Binary and semantic change scores, open-cd's names plus the field's.

    Every image adds a binary (2, 2) confusion matrix and a (K, K)
    semantic one (date A and date B maps together, K =
    ``len(semantic_classes)``) to dataset-wide sums, scored once. Under
    distributed evaluation mmengine gathers the per-image matrices from all
    ranks first, so the result equals a single-process run.

    Keys (all in percent, unrounded):

    - ``binary/``: aAcc and the class means of ``iou_metrics`` (open-cd's
      keys: mIoU, mAcc; mFscore, mPrecision, mRecall), plus the changed
      class's Precision, Recall, F1, IoU, OA and Kappa.
    - ``semantic/``: aAcc and the ``iou_metrics`` class means of the
      semantic maps (open-cd's), and with ``cal_sek``: open-cd's ``Sek``
      and ``SCD_Score`` (0.3 binary mIoU + 0.7 Sek) and the field's SeK,
      mIoU_scd, Score, F_scd, P_scd, R_scd of
      :func:`semantic_change_scores`. ``Sek`` is the same number as
      ``SeK``; both need class 0 to be 'no change' (the model's
      ``postprocess_pred_and_label='cover_semantic'`` for SECOND).

    The log shows the semantic confusion matrix and the from -> to
    transition counts of the changed pixels, labelled and predicted.

    Predictions of a class index >= K (a semantic head with more outputs
    than the dataset has classes, as open-cd's Landsat and BANDON configs
    have) are left out of the semantic matrices with a warning, as
    open-cd's histogram drops them.

    Args:
        iou_metrics (sequence[str]): 'mIoU' and/or 'mFscore'.
        cal_sek (bool): Report the semantic change scores.
        ignore_index (int): Label value excluded. Defaults to 255.
        per_image_csv (str, optional): Write one row per image (binary F1,
            IoU, OA and, with ``cal_sek``, SeK, mIoU_scd, F_scd).
        collect_device (str): 'cpu' or 'gpu' for gathering results.
        prefix (str): Prefix of the binary scores. Defaults to 'binary'.
        semantic_prefix (str): Prefix of the semantic scores.
    """

    def __init__(self,
                 iou_metrics: Sequence[str] = ('mIoU', ),
                 cal_sek: bool = False,
                 ignore_index: int = 255,
                 per_image_csv: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = 'binary',
                 semantic_prefix: Optional[str] = 'semantic') -> None:
        super().__init__(collect_device=collect_device, prefix=None)
        unknown = [m for m in iou_metrics if m not in IOU_METRIC_KEYS]
        if unknown:
            raise KeyError(f'SCDMetric: iou_metrics {unknown} are not '
                           f'supported; use {list(IOU_METRIC_KEYS)}')
        self.mean_keys = [k for m in iou_metrics for k in IOU_METRIC_KEYS[m]]
        self.cal_sek = cal_sek
        self.ignore_index = ignore_index
        self.per_image_csv = per_image_csv
        self.binary_prefix = prefix
        self.semantic_prefix = semantic_prefix

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Add each image's binary and semantic confusion matrices."""
        if 'semantic_classes' not in (self.dataset_meta or {}):
            raise KeyError(
                'SCDMetric needs semantic_classes in the dataset metainfo: '
                'evaluate a semantic change dataset (SECONDDataset, '
                'BaseSCDDataset with metainfo.semantic_classes, ...)')
        num_semantic = len(self.dataset_meta['semantic_classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze()
            label = sample['gt_sem_seg']['data'].squeeze().to(pred.device)
            binary = confusion_matrix(pred, label, 2, self.ignore_index)
            semantic = np.zeros((num_semantic, num_semantic), np.int64)
            transitions = np.stack([
                transition_matrix(
                    sample[f'{kind}_sem_seg']['data'].squeeze(),
                    sample[f'{kind}_sem_seg_from']['data'].squeeze(),
                    sample[f'{kind}_sem_seg_to']['data'].squeeze(),
                    num_semantic)
                for kind in ('gt', 'pred')
            ])
            dropped = 0
            for date in ('from', 'to'):
                pred = sample[f'pred_sem_seg_{date}']['data'].squeeze()
                label = sample[f'gt_sem_seg_{date}']['data'].squeeze().to(
                    pred.device)
                outside = (pred >= num_semantic) & (label !=
                                                    self.ignore_index)
                dropped += int(outside.sum())
                label = torch.where(outside,
                                    torch.full_like(label, self.ignore_index),
                                    label)
                semantic += confusion_matrix(pred.clamp(max=num_semantic - 1),
                                             label, num_semantic,
                                             self.ignore_index)
            self.results.append((sample_pair_name(sample)
                                 or str(len(self.results)), binary, semantic,
                                 dropped, transitions))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """Sum the matrices of all images and score them.

        Args:
            results (list[tuple]): (name, binary matrix, semantic matrix,
                dropped pixels, label and predicted from -> to matrices)
                per image.

        Returns:
            dict[str, float]: The prefixed scores (see the class doc).
        """
        binary = sum(r[1] for r in results)
        semantic = sum(r[2] for r in results)
        dropped = sum(r[3] for r in results)
        if dropped:
            print_log(
                f'SCDMetric: {dropped} pixels were predicted as a semantic '
                f'class >= {len(semantic)} (the dataset has '
                f'{len(semantic)} semantic_classes) and are left out; the '
                "semantic head's num_classes does not match the dataset",
                logger='current', level=logging.WARNING)
        binary_scores = change_scores(binary)
        binary_keys = ['aAcc'] + self.mean_keys + [
            'Precision', 'Recall', 'F1', 'IoU', 'OA', 'Kappa'
        ]
        scores = {
            self._key(self.binary_prefix, k): binary_scores[k]
            for k in binary_keys
        }
        means = mean_class_scores(semantic)
        for key in ['aAcc'] + self.mean_keys:
            scores[self._key(self.semantic_prefix, key)] = means[key]
        if self.cal_sek:
            scd = semantic_change_scores(semantic)
            scd['Sek'] = scd['SeK']
            scd['SCD_Score'] = 0.3 * binary_scores['mIoU'] + 0.7 * scd['SeK']
            scores.update({
                self._key(self.semantic_prefix, k): v
                for k, v in scd.items()
            })
        names = list(self.dataset_meta['semantic_classes'])
        self._log_table('semantic confusion (pixels of both dates; rows = '
                        'label, columns = prediction):', 'label \\ pred',
                        names, semantic)
        transitions = sum(r[4] for r in results)
        for kind, matrix in zip(('label', 'prediction'), transitions):
            self._log_table(f'from -> to transitions of the changed pixels '
                            f'({kind}; rows = class in A, columns = class '
                            'in B):', 'A \\ B', names, matrix)
        if self.per_image_csv:
            self._write_csv(results)
        return scores

    @staticmethod
    def _key(prefix: Optional[str], key: str) -> str:
        return f'{prefix}/{key}' if prefix else key

    @staticmethod
    def _log_table(title: str, corner: str, names: List[str],
                   matrix: np.ndarray) -> None:
        width = max(len(n) for n in names + [corner]) + 1
        lines = [title, corner.ljust(width) +
                 ''.join(n[:10].rjust(11) for n in names)]
        for name, row in zip(names, matrix):
            lines.append(name.ljust(width) +
                         ''.join(str(int(v)).rjust(11) for v in row))
        print_log('\n'.join(lines), logger='current')

    def _write_csv(self, results: List[tuple]) -> None:
        folder = osp.dirname(self.per_image_csv)
        if folder:
            os.makedirs(folder, exist_ok=True)
        fields = ['F1', 'IoU', 'OA']
        scd_fields = ['SeK', 'mIoU_scd', 'F_scd'] if self.cal_sek else []
        with open(self.per_image_csv, 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['image'] + fields + scd_fields)
            for name, binary, semantic, *_ in results:
                row = change_scores(binary)
                if scd_fields:
                    row.update(semantic_change_scores(semantic))
                writer.writerow([name] + [f'{row[k]:.4f}'
                                          for k in fields + scd_fields])
