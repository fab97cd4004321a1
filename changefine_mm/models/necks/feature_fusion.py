"""FeatureFusionNeck: merge the two dates' feature pyramids level by level."""
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS

_POLICIES = {
    'concat': lambda a, b: torch.cat((a, b), dim=1),
    'sum': lambda a, b: a + b,
    'diff': lambda a, b: b - a,
    'abs_diff': lambda a, b: torch.abs(a - b),
}


@MODELS.register_module()
class FeatureFusionNeck(BaseModule):
    """Fuse per-level features of date A (``x1``) and date B (``x2``).

    Args:
        policy (str): 'concat' (channels double), 'sum', 'diff' (B - A, as
            in open-cd) or 'abs_diff'.
        in_channels (Sequence[int], optional): Unused by the fusion itself;
            accepted because open-cd configs pass it.
        channels (int, optional): Accepted for the same reason.
        out_indices (Sequence[int]): Levels to return.
    """

    def __init__(self,
                 policy: str,
                 in_channels: Sequence[int] = None,
                 channels: int = None,
                 out_indices: Sequence[int] = (0, 1, 2, 3)) -> None:
        super().__init__()
        if policy not in _POLICIES:
            raise ValueError(f'unknown fusion policy {policy!r}; choose from '
                             f'{sorted(_POLICIES)}')
        self.policy = policy
        self.in_channels = in_channels
        self.channels = channels
        self.out_indices = tuple(out_indices)

    def forward(self, x1: Sequence[torch.Tensor],
                x2: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Fuse level by level.

        Args:
            x1 (sequence[Tensor]): Date A features, one per level.
            x2 (sequence[Tensor]): Date B features, same shapes.

        Returns:
            tuple[Tensor]: The fused levels listed in ``out_indices``.
        """
        if len(x1) != len(x2):
            raise ValueError(f'the two dates have {len(x1)} and {len(x2)} '
                             'feature levels')
        fuse = _POLICIES[self.policy]
        fused = [fuse(a, b) for a, b in zip(x1, x2)]
        return tuple(fused[i] for i in self.out_indices)
