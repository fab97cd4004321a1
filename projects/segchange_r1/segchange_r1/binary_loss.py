"""BinaryLoss: what the one-channel change losses share."""
from abc import ABCMeta, abstractmethod
from typing import Optional, Tuple

import torch
import torch.nn as nn


class BinaryLoss(nn.Module, metaclass=ABCMeta):
    """Base of losses on (B, 1, H, W) change logits and (B, H, W) labels.

    mmseg's decode head calls the loss as ``loss(logits, labels, weight=,
    ignore_index=)``; this base drops the ignored pixels, applies
    ``loss_weight`` and reports the loss under ``loss_name``. Subclasses
    define :meth:`compute` on the valid pixels.

    Args:
        loss_weight (float): Weight of the loss.
        loss_name (str): Key of the loss in the loss dict.
    """

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict."""
        return self._loss_name

    @staticmethod
    def valid(pred: torch.Tensor, target: torch.Tensor,
              ignore_index: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Flatten the logits and labels of the non-ignored pixels.

        Args:
            pred (Tensor): (B, 1, H, W) logits.
            target (Tensor): (B, H, W) labels in {0, 1, ignore_index}.
            ignore_index (int): Label value to drop.

        Returns:
            tuple[Tensor, Tensor]: The valid logits and their float labels.
        """
        if pred.dim() != 4 or pred.size(1) != 1:
            raise ValueError('expected (B, 1, H, W) logits for a binary '
                             f'loss, got {tuple(pred.shape)}')
        valid = target != ignore_index
        return pred[:, 0][valid], target[valid].float()

    @abstractmethod
    def compute(self, logits: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """The unweighted loss of valid (N, ) logits and float labels."""

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> torch.Tensor:
        """Weighted loss of (B, 1, H, W) logits against (B, H, W) labels.

        ``weight`` (a pixel sampler's weights) is not supported and must be
        None.
        """
        if weight is not None:
            raise ValueError(f'{type(self).__name__} does not take pixel '
                             'weights (no sampler in the decode head)')
        logits, labels = self.valid(pred, target, ignore_index)
        return self.loss_weight * self.compute(logits, labels)
