"""Parameter-free interactions between the two dates' feature maps.

These are the ``interaction_cfg`` layers of open-cd's interaction backbones
(``IA_ResNetV1c`` in ChangerEx, Fang et al., "Changer: Feature Interaction
is What You Need for Change Detection", TGRS 2023, Sec. III-B), under
open-cd's registry names and arguments. Each takes the two dates' maps of
one stage and returns the two maps after the interaction.
"""
from typing import Tuple

import torch
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS


def _exchange_period(p: float) -> int:
    """Turn the exchanged fraction ``p`` into open-cd's index period."""
    if not 0 < p <= 1:
        raise ValueError(f'exchange fraction p must be in (0, 1], got {p}')
    return int(1 / p)


def _swap_where(x1: torch.Tensor, x2: torch.Tensor, mask: torch.Tensor,
                dim: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Swap the slices of ``x1`` and ``x2`` selected by ``mask`` on ``dim``.

    Args:
        x1 (Tensor): Date A features (N, C, H, W).
        x2 (Tensor): Date B features, same shape.
        mask (Tensor): Boolean vector over ``dim``; True = exchange.
        dim (int): The axis the mask indexes.

    Returns:
        tuple[Tensor, Tensor]: The two maps after the exchange.
    """
    shape = [1] * x1.dim()
    shape[dim] = -1
    mask = mask.to(x1.device).view(shape)
    return torch.where(mask, x2, x1), torch.where(mask, x1, x2)


@MODELS.register_module()
class ChannelExchange(BaseModule):
    """Swap every ``1/p``-th channel between the dates (open-cd's name).

    Channels whose index is a multiple of ``int(1 / p)`` (0, 2, 4, ... for
    p=1/2) are exchanged; the others stay.

    Args:
        p (float): Fraction of channels exchanged. Defaults to 1/2.
    """

    def __init__(self, p: float = 1 / 2) -> None:
        super().__init__()
        self.p = _exchange_period(p)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Exchange channels of the (N, C, H, W) maps ``x1`` and ``x2``."""
        mask = torch.arange(x1.size(1)) % self.p == 0
        return _swap_where(x1, x2, mask, dim=1)


@MODELS.register_module()
class SpatialExchange(BaseModule):
    """Swap every ``1/p``-th column between the dates (open-cd's name).

    Columns (width index) that are multiples of ``int(1 / p)`` are
    exchanged; rows are not touched, as in open-cd.

    Args:
        p (float): Fraction of columns exchanged. Defaults to 1/2.
    """

    def __init__(self, p: float = 1 / 2) -> None:
        super().__init__()
        self.p = _exchange_period(p)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Exchange columns of the (N, C, H, W) maps ``x1`` and ``x2``."""
        mask = torch.arange(x1.size(3)) % self.p == 0
        return _swap_where(x1, x2, mask, dim=3)


@MODELS.register_module()
class TwoIdentity(BaseModule):
    """No interaction: both maps pass unchanged (a ``None`` stage)."""

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return ``x1`` and ``x2`` as they are."""
        return x1, x2
