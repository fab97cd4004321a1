"""SiamEncoderDecoder: one shared backbone per date, a fusing neck, a head."""
from typing import List, Optional

import torch

from changefine_mm.registry import MODELS
from .bitemporal_encoder_decoder import BiTemporalEncoderDecoder


@MODELS.register_module()
class SiamEncoderDecoder(BiTemporalEncoderDecoder):
    """Bi-temporal encoder-decoder with a Siamese (shared) backbone.

    The same backbone encodes date A and date B; the mandatory neck fuses
    them as ``neck(feat_from, feat_to)`` (e.g. :class:`FeatureFusionNeck`).

    Args:
        backbone (dict): Backbone config (one date in, features out).
        decode_head (dict): Decode head config.
        neck (dict): Neck fusing the two dates. Required.
        **kwargs: See :class:`BiTemporalEncoderDecoder`.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: Optional[dict] = None,
                 **kwargs) -> None:
        if neck is None:
            raise ValueError(
                'SiamEncoderDecoder needs a neck that fuses the two dates, '
                "e.g. neck=dict(type='FeatureFusionNeck', policy='concat')")
        super().__init__(backbone=backbone, decode_head=decode_head,
                         neck=neck, **kwargs)

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Encode both dates with the shared backbone and fuse them."""
        img_from, img_to = self.split_dates(inputs)
        return self.neck(self.backbone(img_from), self.backbone(img_to))
