"""Parameter-free interactions between the two dates' feature maps.

These are the ``interaction_cfg`` layers of open-cd's interaction backbones
(``IA_ResNetV1c`` in ChangerEx, Fang et al., "Changer: Feature Interaction
is What You Need for Change Detection", TGRS 2023, Sec. III-B), under
open-cd's registry names and arguments. Each takes the two dates' maps of
one stage and returns the two maps after the interaction.
"""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from changefine_mm.registry import MODELS


class _Exchange(BaseModule):
    """Swap every ``int(1 / p)``-th slice along :attr:`dim` between dates.

    Args:
        p (float): Fraction of slices exchanged. Defaults to 1/2.
    """

    dim: int

    def __init__(self, p: float = 1 / 2) -> None:
        super().__init__()
        if not 0 < p <= 1:
            raise ValueError(
                f'exchange fraction p must be in (0, 1], got {p}')
        self.p = int(1 / p)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Exchange slices of the (N, C, H, W) maps ``x1`` and ``x2``.

        Returns:
            tuple[Tensor, Tensor]: The two maps after the exchange.
        """
        shape = [1] * x1.dim()
        shape[self.dim] = -1
        mask = (torch.arange(x1.size(self.dim), device=x1.device) % self.p
                == 0).view(shape)
        return torch.where(mask, x2, x1), torch.where(mask, x1, x2)


@MODELS.register_module()
class ChannelExchange(_Exchange):
    """Swap the channels whose index is a multiple of ``int(1 / p)``
    (0, 2, 4, ... for p=1/2) between the dates; open-cd's name.

    Args:
        p (float): Fraction of channels exchanged. Defaults to 1/2.
    """

    dim = 1


@MODELS.register_module()
class SpatialExchange(_Exchange):
    """Swap the columns (width index) that are multiples of
    ``int(1 / p)`` between the dates; rows are not touched, as in open-cd.

    Args:
        p (float): Fraction of columns exchanged. Defaults to 1/2.
    """

    dim = 3


@MODELS.register_module()
class TwoIdentity(BaseModule):
    """No interaction: both maps pass unchanged (a ``None`` stage)."""

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return ``x1`` and ``x2`` as they are."""
        return x1, x2


def build_interactions(interaction_cfg: Sequence[Optional[dict]],
                       num_stages: int) -> nn.ModuleList:
    """One interaction layer per backbone stage (``None``: no interaction).

    Args:
        interaction_cfg (Sequence[dict | None]): Config of each stage's
            layer; its length must equal ``num_stages``.
        num_stages (int): Stages of the backbone.

    Returns:
        nn.ModuleList: The layers (``TwoIdentity`` where the config is
        ``None``); they have no parameters.
    """
    if len(interaction_cfg) != num_stages:
        raise ValueError(
            f'interaction_cfg has {len(interaction_cfg)} entries but the '
            f'backbone has num_stages={num_stages}')
    return nn.ModuleList(
        MODELS.build(cfg if cfg is not None else dict(type='TwoIdentity'))
        for cfg in interaction_cfg)
