"""BinaryDiceLoss: Dice loss on a one-channel change logit map."""
import torch

from changefine_mm.registry import MODELS
from .binary_loss import BinaryLoss


@MODELS.register_module()
class BinaryDiceLoss(BinaryLoss):
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
        super().__init__(loss_weight, loss_name)
        self.smooth = smooth

    def compute(self, logits: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Dice loss of the valid pixels of the batch."""
        probs = logits.sigmoid()
        overlap = (probs * labels).sum()
        total = probs.sum() + labels.sum()
        return 1 - (2 * overlap + self.smooth) / (total + self.smooth)
