from .ban import BAN
from .bitemporal_encoder_decoder import BiTemporalEncoderDecoder
from .change_tta_model import ChangeTTAModel
from .changefine import ChangeFine
from .changefine_scd import ChangeFineSCD
from .di_encoder_decoder import DIEncoderDecoder
from .distill_ban import DistillBAN
from .distill_encoder_decoder import (DistillDIEncoderDecoder,
                                      DistillSiamEncoderDecoder,
                                      DistillSiamEncoderDecoder_ChangeStar)
from .siam_encoder_decoder import SiamEncoderDecoder
from .siam_encoder_multi_decoder import SiamEncoderMultiDecoder
from .text_conditioned_change_detector import TextConditionedChangeDetector

__all__ = [
    'BAN', 'BiTemporalEncoderDecoder', 'ChangeFine', 'ChangeFineSCD',
    'ChangeTTAModel',
    'DIEncoderDecoder', 'DistillBAN', 'DistillDIEncoderDecoder',
    'DistillSiamEncoderDecoder', 'DistillSiamEncoderDecoder_ChangeStar',
    'SiamEncoderDecoder', 'SiamEncoderMultiDecoder',
    'TextConditionedChangeDetector'
]
