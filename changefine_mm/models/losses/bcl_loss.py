"""BCLLoss: STANet's batch-balanced contrastive loss (open-cd's
``BCLLoss``, opencd/models/losses/bcl_loss.py; Chen & Shi, Remote Sensing
2020, Eq. 2).

The prediction is a feature distance per pixel: unchanged pixels are
pulled to distance 0, changed ones pushed beyond ``margin``; each term is
averaged over its own class so that the rare changed pixels count as much
as the unchanged ones. As in open-cd, ignored pixels are left out of both
sums but still count in the unchanged pixels' normaliser.
"""
import torch
from torch import nn

from changefine_mm.registry import MODELS


@MODELS.register_module()
class BCLLoss(nn.Module):
    """Batch-balanced contrastive loss on distance maps.

    Args:
        margin (float): Distance beyond which changed pixels cost nothing.
            Defaults to 2.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        ignore_index (int): Label value left out. Defaults to 255.
        loss_name (str): Name of the loss item. Defaults to 'bcl_loss'.
        eps (float): Added to the class counts. Defaults to 1e-4.
    """

    def __init__(self,
                 margin: float = 2.0,
                 loss_weight: float = 1.0,
                 ignore_index: int = 255,
                 loss_name: str = 'bcl_loss',
                 eps: float = 1e-4) -> None:
        super().__init__()
        self.margin = margin
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self.eps = eps
        self._loss_name = loss_name

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                **kwargs) -> torch.Tensor:
        """The loss of distances ``pred`` (B, 1, H, W) or (B, H, W) against
        0/1 labels ``target`` (B, H, W); mmseg's ``weight`` and
        ``ignore_index`` keyword arguments are not used (the loss has its
        own ``ignore_index``)."""
        pred = pred.reshape(target.shape)
        valid = (target != self.ignore_index).float()
        changed = target.float() * valid
        unchanged = 1 - changed
        loss = (unchanged * pred.pow(2) * valid).sum() / (
            unchanged.sum() + self.eps) + (
                changed * (self.margin - pred).clamp(min=0).pow(2)).sum() / (
                    changed.sum() + self.eps)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """Name of the loss item (items named with 'loss' are summed)."""
        return self._loss_name
