"""FarSegFPN: mmseg's FPN per date plus a scene embedding, fused across
the dates (open-cd's ``FarSegFPN``, opencd/models/necks/farseg_neck.py,
the neck of ChangeStar-FarSeg).

Each date's pyramid gets, as an extra last level, the global average of
the backbone's coarsest map (FarSeg's scene embedding, Zheng et al., CVPR
2020); every level is then fused by :class:`FeatureFusionNeck`.
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.necks import FPN

from changefine_mm.registry import MODELS
from .feature_fusion import FeatureFusionNeck


@MODELS.register_module()
class FarSegFPN(FPN):
    """FPN with a scene embedding, for both dates.

    Args:
        policy (str): Fusion of the dates (see :class:`FeatureFusionNeck`).
            Defaults to 'concat'.
        **kwargs: mmseg :class:`FPN` arguments.
    """

    def __init__(self, policy: str = 'concat', **kwargs) -> None:
        super().__init__(**kwargs)
        self.feature_fusion = FeatureFusionNeck(
            policy, out_indices=tuple(range(self.num_outs + 1)))

    def base_forward(self, inputs: Sequence[torch.Tensor]
                     ) -> Tuple[torch.Tensor, ...]:
        """One date: the pyramid levels, then the (B, C, 1, 1) scene
        embedding of the coarsest backbone map."""
        scene = F.adaptive_avg_pool2d(inputs[-1], 1)
        return tuple(super().forward(inputs)) + (scene, )

    def forward(self, x1: Sequence[torch.Tensor],
                x2: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Both dates' levels and embeddings, fused level by level."""
        return self.feature_fusion(self.base_forward(x1),
                                   self.base_forward(x2))
