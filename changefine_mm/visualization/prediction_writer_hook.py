"""PredictionWriterHook: each test pair's mask and change probability."""
import os
import os.path as osp
from typing import Sequence

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook

from changefine_mm.registry import HOOKS
from changefine_mm.utils.pair_names import output_stem, sample_pair_name


def change_probability(seg_logits: torch.Tensor) -> np.ndarray:
    """Probabilities from a detector's ``seg_logits`` of one pair.

    mmseg's post-processing leaves a 1-channel head's output as the
    sigmoid probability and a K-channel head's output as logits.

    Args:
        seg_logits (Tensor): (C, H, W).

    Returns:
        np.ndarray: (H, W) float32 change probability for 1 or 2 channels
        (class 1 of the softmax), (K, H, W) class probabilities otherwise.
    """
    logits = seg_logits.detach().float().cpu()
    if logits.shape[0] == 1:
        return logits[0].numpy()
    prob = logits.softmax(dim=0)
    return prob[1].numpy() if prob.shape[0] == 2 else prob.numpy()


@HOOKS.register_module()
class PredictionWriterHook(Hook):
    """Write every test pair's prediction (``tools/test.py --out DIR``).

    * ``DIR/masks/<name>.png``: the predicted class per pixel (0/255 for
      binary change, the class index for more classes);
    * ``DIR/probs/<name>.tif``: the float32 change probability (binary
      models), or ``DIR/probs/<name>.npy``: the (K, H, W) class
      probabilities (K > 2 classes).

    ``<name>`` is the pair's path relative to its A folder without suffix
    (``s1/x`` for ``A/s1/x.png``: sub-folders are mirrored).

    Args:
        out_dir (str): Output folder.
    """

    priority = 'NORMAL'

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.written = 0

    def before_test(self, runner) -> None:
        """Create the output folders."""
        for sub in ('masks', 'probs'):
            os.makedirs(osp.join(self.out_dir, sub), exist_ok=True)
        self.written = 0

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence) -> None:
        """Write the predictions of one test batch."""
        for sample in outputs:
            name = output_stem(sample_pair_name(sample))
            self._write(name, sample.pred_sem_seg.data[0].cpu().numpy(),
                        change_probability(sample.seg_logits.data))
            self.written += 1

    def after_test(self, runner) -> None:
        """Say where the predictions went."""
        runner.logger.info(f'wrote {self.written} mask(s) to '
                           f'{osp.join(self.out_dir, "masks")} and '
                           f'probabilities to '
                           f'{osp.join(self.out_dir, "probs")}')

    def _write(self, name: str, pred: np.ndarray, prob: np.ndarray) -> None:
        binary = prob.ndim == 2
        for sub in ('masks', 'probs'):
            os.makedirs(osp.dirname(osp.join(self.out_dir, sub, name)),
                        exist_ok=True)
        mask = (pred > 0).astype(np.uint8) * 255 if binary else \
            pred.astype(np.uint8)
        self._imwrite(osp.join(self.out_dir, 'masks', name + '.png'), mask)
        if binary:
            self._imwrite(osp.join(self.out_dir, 'probs', name + '.tif'),
                          prob.astype(np.float32))
        else:
            np.save(osp.join(self.out_dir, 'probs', name + '.npy'),
                    prob.astype(np.float32))

    @staticmethod
    def _imwrite(path: str, image: np.ndarray) -> None:
        if not cv2.imwrite(path, image):
            raise OSError(f'cannot write {path}')
