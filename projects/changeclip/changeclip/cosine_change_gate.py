"""CosineChangeGate: weight the fused features by how much the dates differ."""
from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from changefine_mm.registry import MODELS


@MODELS.register_module()
class CosineChangeGate(nn.Module):
    """ChangeCLIP's change cue: the fused map gated by cosine dissimilarity.

    Official code: ``x_diff`` in ``ChangeCLIP.encode_decode``. At every
    level the fused (FPN) features are multiplied by
    ``sigmoid(1 - cos(A, B))``, the per-pixel cosine between the two dates'
    backbone features (with their score maps). The detector concatenates
    this cue with ``|A - B|`` and the fused features.
    """

    def forward(self, feats_a: List[torch.Tensor], feats_b: List[torch.Tensor],
                fused: List[torch.Tensor]
                ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Gate the fused features.

        Args:
            feats_a (list[Tensor]): Date A's features per level.
            feats_b (list[Tensor]): Date B's features per level.
            fused (list[Tensor]): Fused features per level (same sizes).

        Returns:
            tuple[list[Tensor], list[Tensor]]: One cue per level, and no
            extra (finer) levels.
        """
        cues = [
            x * torch.sigmoid(1 - F.cosine_similarity(a, b, dim=1))[:, None]
            for a, b, x in zip(feats_a, feats_b, fused)
        ]
        return cues, []
