"""BinaryDiceLoss: Dice loss on a one-channel change logit map."""
from typing import Optional

import torch
import torch.nn as nn

from changefine_mm.registry import MODELS


def binary_valid(pred: torch.Tensor, target: torch.Tensor,
                 ignore_index: int):
    """Flatten a (B, 1, H, W) logit map and its (B, H, W) label.

    Args:
        pred (Tensor): Logits with one channel.
        target (Tensor): Labels in {0, 1, ignore_index}.
        ignore_index (int): Label value to drop.

    Returns:
        tuple[Tensor, Tensor]: The valid logits and their float labels.
    """
    if pred.dim() != 4 or pred.size(1) != 1:
        raise ValueError('expected (B, 1, H, W) logits for a binary loss, '
                         f'got {tuple(pred.shape)}')
    logits = pred[:, 0]
    valid = target != ignore_index
    return logits[valid], target[valid].float()


@MODELS.register_module()
class BinaryDiceLoss(nn.Module):
    """``1 - (2 |P * Y| + s) / (|P| + |Y| + s)`` over the whole batch.

    SegChange-R1's ``DiceLoss`` (official ``models/losses/loss.py``): the
    sigmoid probabilities and the labels are summed over every valid pixel
    of the batch (not per image), with smoothing ``s``.

    Args:
        smooth (float): Smoothing term. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name in the loss dict. Defaults to 'loss_dice'.
    """

    def __init__(self,
                 smooth: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_dice') -> None:
        super().__init__()
        self.smooth = smooth
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        """Weighted Dice loss of (B, 1, H, W) logits against (B, H, W)."""
        logits, labels = binary_valid(pred, target, ignore_index)
        probs = logits.sigmoid()
        overlap = (probs * labels).sum()
        total = probs.sum() + labels.sum()
        dice = (2 * overlap + self.smooth) / (total + self.smooth)
        return self.loss_weight * (1 - dice)

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict."""
        return self._loss_name
