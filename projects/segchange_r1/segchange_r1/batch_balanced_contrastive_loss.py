"""BatchBalancedContrastiveLoss (BCL) as used by SegChange-R1."""
import torch

from changefine_mm.registry import MODELS
from .binary_loss import BinaryLoss


@MODELS.register_module()
class BatchBalancedContrastiveLoss(BinaryLoss):
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
        super().__init__(loss_weight, loss_name)
        self.margin = margin

    def compute(self, logits: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Balanced contrastive loss of the valid pixels."""
        distance = (logits - labels).abs()
        changed = labels > 0
        loss = logits.sum() * 0
        if changed.any():
            loss = loss + distance[changed].mean()
        if (~changed).any():
            loss = loss + (self.margin - distance[~changed]).clamp(
                min=0).mean()
        return loss
