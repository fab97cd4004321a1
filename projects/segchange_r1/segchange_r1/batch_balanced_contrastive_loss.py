"""BatchBalancedContrastiveLoss (BCL) as used by SegChange-R1."""
from typing import Optional

import torch
import torch.nn as nn

from changefine_mm.registry import MODELS
from .binary_dice_loss import binary_valid


@MODELS.register_module()
class BatchBalancedContrastiveLoss(nn.Module):
    """Class-balanced contrastive loss on the change logits.

    SegChange-R1's ``BatchBalancedContrastiveLoss`` (official
    ``models/losses/loss.py``, after STANet's BCL). With the distance
    ``d = |logit - label|``, changed pixels contribute ``d`` and unchanged
    pixels ``max(margin - d, 0)``; each sum is divided by its pixel count,
    so both classes weigh the same whatever their frequency. As in the
    official code the distance is taken on raw logits (STANet takes it
    between the two dates' feature vectors); with the cross-entropy terms
    this pushes unchanged logits below ``-margin``.

    Args:
        margin (float): Margin for unchanged pixels. Defaults to 2.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name in the loss dict. Defaults to 'loss_bcl'.
    """

    def __init__(self,
                 margin: float = 2.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_bcl') -> None:
        super().__init__()
        self.margin = margin
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        """Weighted BCL of (B, 1, H, W) logits against (B, H, W) labels."""
        logits, labels = binary_valid(pred, target, ignore_index)
        distance = (logits - labels).abs()
        changed = labels > 0
        loss = pred.sum() * 0
        if changed.any():
            loss = loss + distance[changed].mean()
        if (~changed).any():
            loss = loss + (self.margin - distance[~changed]).clamp(
                min=0).mean()
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict."""
        return self._loss_name
