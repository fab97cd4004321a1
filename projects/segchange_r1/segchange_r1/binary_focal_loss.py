"""BinaryFocalLoss: focal loss on a one-channel change logit map."""
import torch
import torch.nn as nn

from changefine_mm.registry import MODELS
from .binary_loss import BinaryLoss

_MODES = ('official', 'balanced')


@MODELS.register_module()
class BinaryFocalLoss(BinaryLoss):
    """``-a_t (1 - p_t)^gamma log(p_t)``, averaged over valid pixels.

    SegChange-R1's ``FocalLoss`` (official ``models/losses/loss.py``).
    ``mode='official'`` weights every pixel by ``alpha`` and takes
    ``log(p_t + 1e-6)``, as the released code does. ``mode='balanced'`` is
    the usual alpha-balanced focal loss (``alpha`` for changed pixels,
    ``1 - alpha`` for unchanged ones, as the official config's comment
    "balance positive and negative samples" describes), computed from
    log-sigmoid for stability.

    Args:
        alpha (float): Class weight. Defaults to 0.25.
        gamma (float): Focusing exponent. Defaults to 2.0.
        mode (str): 'official' or 'balanced'. Defaults to 'balanced'.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name in the loss dict. Defaults to 'loss_focal'.
    """

    def __init__(self,
                 alpha: float = 0.25,
                 gamma: float = 2.0,
                 mode: str = 'balanced',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_focal') -> None:
        super().__init__(loss_weight, loss_name)
        if mode not in _MODES:
            raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
        self.alpha = alpha
        self.gamma = gamma
        self.mode = mode

    def compute(self, logits: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Mean focal loss of the valid pixels."""
        if logits.numel() == 0:
            return logits.sum()
        probs = logits.sigmoid()
        p_t = probs * labels + (1 - probs) * (1 - labels)
        if self.mode == 'official':
            loss = -self.alpha * (1 - p_t)**self.gamma * torch.log(p_t + 1e-6)
        else:
            log_p_t = nn.functional.logsigmoid(
                torch.where(labels > 0, logits, -logits))
            alpha_t = self.alpha * labels + (1 - self.alpha) * (1 - labels)
            loss = -alpha_t * (1 - p_t)**self.gamma * log_p_t
        return loss.mean()
