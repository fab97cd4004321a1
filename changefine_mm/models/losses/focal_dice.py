"""FocalDiceLoss: ChangeFine's hybrid focal + Dice segmentation loss."""
import logging
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import Tensor, nn

from changefine_mm.registry import MODELS

MODES = ('official', 'paper')


def check_labels(label: Tensor, num_classes: int, ignore_index: int) -> Tensor:
    """Mask of the labelled pixels; raises on values outside the classes.

    Args:
        label (Tensor): Integer labels of any shape.
        num_classes (int): Number of classes.
        ignore_index (int): Label value to ignore.

    Returns:
        Tensor: Boolean mask, True where ``label != ignore_index``.
    """
    valid = label != ignore_index
    bad = valid & ((label < 0) | (label >= num_classes))
    if bool(bad.any()):
        values = torch.unique(label[bad]).tolist()
        raise ValueError(
            f'label values {values[:8]} are neither a class in '
            f'[0, {num_classes}) nor ignore_index={ignore_index}; are the '
            'change masks 0/255 images that were not converted to 0/1?')
    return valid


@MODELS.register_module()
class FocalDiceLoss(nn.Module):
    """Multi-class focal loss plus Dice loss on softmax probabilities.

    Official counterpart: ``hybrid_loss`` (``FocalLoss`` + ``DiceLoss``) in
    ``lib/loss/loss_helper.py`` of whudk/ChangeFine (paper: hybrid loss on
    the fine and the coarse prediction). Logits are first upsampled to the
    label size (bilinear, align_corners True).

    * Focal: ``-alpha_t (1 - p_t)^gamma log p_t``, averaged over labelled
      pixels.
    * Dice: ``1 - mean(2 I / (P + G + eps))`` with I, P, G sums of
      ``p * onehot``, ``p`` and ``onehot``.

    ``mode='official'`` reproduces two quirks: the modulating factor
    ``(1 - p_t)^gamma`` is treated as a constant in backward (the official
    code computes p_t from ``.data``), and the Dice sums run over the batch
    and the image rows only, giving one Dice value per (class, column) that
    are then averaged (spec Sec. 11.1). ``mode='paper'``: the standard focal
    gradient and one Dice value per class over all pixels. Values equal in
    both modes except for the Dice reduction.

    Ignored pixels (``ignore_index``) are left out of both terms (the
    official code cannot handle them). A batch without any labelled pixel
    gives zero losses that keep the graph.

    Args:
        mode (str): ``'official'`` or ``'paper'``. Defaults to 'official'.
        gamma (float): Focusing parameter. Defaults to 1 (official).
        alpha (Sequence[float], optional): Per-class weights; None means 1
            for every class. Defaults to (0.004, 0.996) (official: unchanged,
            changed).
        dice_weight (float): Weight of the Dice term. Defaults to 1.
        eps (float): Dice denominator epsilon. Defaults to 1e-7.
    """

    def __init__(self,
                 mode: str = 'official',
                 gamma: float = 1.0,
                 alpha: Optional[Sequence[float]] = (0.004, 0.996),
                 dice_weight: float = 1.0,
                 eps: float = 1e-7) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        self.gamma = gamma
        self.dice_weight = dice_weight
        self.eps = eps
        self.register_buffer(
            'alpha',
            None if alpha is None else torch.tensor(
                [float(a) for a in alpha]),
            persistent=False)

    def forward(self,
                logits: Tensor,
                label: Tensor,
                ignore_index: int = 255) -> Dict[str, Tensor]:
        """Compute both terms.

        Args:
            logits (Tensor): (B, C, h, w) logits at any resolution.
            label (Tensor): (B, H, W) integer labels.
            ignore_index (int): Label to ignore. Defaults to 255.

        Returns:
            dict[str, Tensor]: ``focal`` and ``dice`` (already multiplied by
            ``dice_weight``), scalars.
        """
        num_classes = logits.size(1)
        if self.alpha is not None and self.alpha.numel() != num_classes:
            raise ValueError(f'alpha has {self.alpha.numel()} values for '
                             f'{num_classes} classes')
        if logits.shape[-2:] != label.shape[-2:]:
            logits = F.interpolate(
                logits, size=label.shape[-2:], mode='bilinear',
                align_corners=True)
        valid = check_labels(label, num_classes, ignore_index)
        if not bool(valid.any()):
            print_log('FocalDiceLoss: no labelled pixel in the batch, '
                      'returning zero losses', 'current', logging.DEBUG)
            zero = logits.sum() * 0
            return dict(focal=zero, dice=zero)
        target = label.masked_fill(~valid, 0)
        return dict(
            focal=self.focal(logits, target, valid),
            dice=self.dice_weight * self.dice(logits, target, valid))

    def focal(self, logits: Tensor, target: Tensor, valid: Tensor) -> Tensor:
        """Focal term averaged over the valid pixels.

        Args:
            logits (Tensor): (B, C, H, W).
            target (Tensor): (B, H, W) classes (ignored pixels set to 0).
            valid (Tensor): (B, H, W) boolean mask.

        Returns:
            Tensor: Scalar loss.
        """
        log_pt = F.log_softmax(logits.float(), dim=1).gather(
            1, target.unsqueeze(1)).squeeze(1)
        pt = log_pt.exp()
        if self.mode == 'official':
            pt = pt.detach()
        loss = -(1 - pt).pow(self.gamma) * log_pt
        if self.alpha is not None:
            loss = loss * self.alpha[target]
        return loss[valid].mean()

    def dice(self, logits: Tensor, target: Tensor, valid: Tensor) -> Tensor:
        """Dice loss (official: per class and column; paper: per class).

        Args:
            logits (Tensor): (B, C, H, W).
            target (Tensor): (B, H, W) classes (ignored pixels set to 0).
            valid (Tensor): (B, H, W) boolean mask.

        Returns:
            Tensor: Scalar loss.
        """
        weight = valid.unsqueeze(1).to(torch.float32)
        probs = F.softmax(logits.float(), dim=1) * weight
        onehot = F.one_hot(target, logits.size(1)).permute(0, 3, 1, 2)
        onehot = onehot.to(torch.float32) * weight
        # Official sums over dims (0,) + range(2, label.ndim) of a (B, H, W)
        # label, i.e. batch and rows, leaving (C, W).
        dims = (0, 2) if self.mode == 'official' else (0, 2, 3)
        intersection = (probs * onehot).sum(dims)
        cardinality = (probs + onehot).sum(dims)
        return 1 - (2 * intersection / (cardinality + self.eps)).mean()
