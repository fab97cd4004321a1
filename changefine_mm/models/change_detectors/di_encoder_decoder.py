"""DIEncoderDecoder: a backbone that sees both dates at once."""
from typing import List

import torch

from changefine_mm.registry import MODELS
from .bitemporal_encoder_decoder import BiTemporalEncoderDecoder


@MODELS.register_module()
class DIEncoderDecoder(BiTemporalEncoderDecoder):
    """Encoder-decoder for dual-input (interaction) backbones.

    The backbone is called as ``backbone(img_from, img_to)`` (FC-EF,
    FC-Siam-*, ChangerEx's ``IA_ResNetV1c``, ...); the optional neck gets
    the backbone's output.
    """

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Run the dual-input backbone and the optional neck."""
        feats = self.backbone(*self.split_dates(inputs))
        return self.neck(feats) if self.with_neck else feats
