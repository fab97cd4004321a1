"""Distillation losses of open-cd's MTKD (Liu et al., "JL1-CD: A New
Benchmark for Remote Sensing Change Detection and a Robust Multi-Teacher
Knowledge Distillation Framework", 2025): ``DistillLoss``,
``DistillLossWithPixel`` and ``DistillLossWithPixel_ChangeStar``
(opencd/models/losses/kd_loss.py).

The class term is the temperature-scaled KL divergence between the
softmax maps of student and teacher (``batchmean``, times T^2); the pixel
term the mean squared difference of the logits. For a 1-channel head the
softmax over one channel is constant, so only the pixel term acts (as in
open-cd).
"""
from typing import Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from changefine_mm.registry import MODELS

Logits = Union[torch.Tensor, Sequence[torch.Tensor]]


def class_distillation(student: torch.Tensor, teacher: torch.Tensor,
                       temperature: float) -> torch.Tensor:
    """Temperature-scaled KL(teacher || student) over the channels."""
    return F.kl_div(
        F.log_softmax(student / temperature, dim=1),
        F.softmax(teacher / temperature, dim=1),
        reduction='batchmean') * temperature**2


@MODELS.register_module()
class DistillLoss(nn.Module):
    """Class-level (KL) distillation.

    Args:
        temperature (float): Softmax temperature. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            'distill_loss'.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'distill_loss') -> None:
        super().__init__()
        self.temperature = temperature
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, student_pred: torch.Tensor,
                teacher_pred: torch.Tensor) -> torch.Tensor:
        """The weighted KL term of (N, C, H, W) logits."""
        return self.loss_weight * class_distillation(
            student_pred, teacher_pred, self.temperature)

    @property
    def loss_name(self) -> str:
        """Name of the loss item."""
        return self._loss_name


@MODELS.register_module()
class DistillLossWithPixel(DistillLoss):
    """Class-level (KL) plus pixel-level (MSE) distillation.

    Args:
        temperature (float): Softmax temperature. Defaults to 1.0.
        loss_weight (float): Weight of the KL term. Defaults to 1.0.
        pixel_weight (float): Weight of the MSE term. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            'distill_loss'.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 loss_weight: float = 1.0,
                 pixel_weight: float = 1.0,
                 loss_name: str = 'distill_loss') -> None:
        super().__init__(temperature, loss_weight, loss_name)
        self.pixel_weight = pixel_weight

    def forward(self, student_pred: Logits,
                teacher_pred: Logits) -> torch.Tensor:
        """The weighted KL and MSE terms of (N, C, H, W) logits."""
        return super().forward(student_pred, teacher_pred) + \
            self.pixel_weight * F.mse_loss(student_pred, teacher_pred)


@MODELS.register_module()
class DistillLossWithPixel_ChangeStar(DistillLossWithPixel):
    """:class:`DistillLossWithPixel` of ChangeStar's two logits (t1->t2 and
    t2->t1), stacked on the batch axis."""

    def forward(self, student_pred: Logits,
                teacher_pred: Logits) -> torch.Tensor:
        """The loss of both temporal orders at once."""
        return super().forward(torch.cat(list(student_pred), dim=0),
                               torch.cat(list(teacher_pred), dim=0))
