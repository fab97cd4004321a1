"""Time Travelling Pixels (TTP): open-cd's ``TimeTravellingPixels``
(opencd/models/change_detectors/ttp.py).

Chen et al., "Time Travelling Pixels: Bitemporal Features Integration with
Foundation Model for Remote Sensing Image Change Detection", IGARSS 2024.
Unlike :class:`SiamEncoderDecoder`, which encodes each date separately,
the backbone reads both dates as one batch (date A's images first) so
that its time-fusion layers can mix them; its first output is split back
into the dates and fused by the neck. Checkpoint names are open-cd's.
"""
from typing import List

import torch

from changefine_mm.registry import MODELS
from .siam_encoder_decoder import SiamEncoderDecoder


@MODELS.register_module()
class TimeTravellingPixels(SiamEncoderDecoder):
    """Bi-temporal detector whose backbone sees both dates at once.

    Arguments as :class:`SiamEncoderDecoder` (the neck is required; TTP
    uses ``SequentialNeck`` of ``FeatureFusionNeck`` and ``SimpleFPN``).
    """

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Encode the stacked dates, split them and fuse them.

        Args:
            inputs (Tensor): The normalised pairs (B, 2C, H, W).

        Returns:
            list[Tensor]: The neck's outputs.
        """
        img_from, img_to = self.split_dates(inputs)
        feats = self.backbone(torch.cat([img_from, img_to], dim=0))[0]
        feat_from, feat_to = torch.split(feats, feats.size(0) // 2, dim=0)
        return self.neck([feat_from], [feat_to])
