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
from .distill_ttp import DistillTimeTravellingPixels
from .siam_encoder_decoder import SiamEncoderDecoder
from .siam_encoder_multi_decoder import SiamEncoderMultiDecoder
from .text_conditioned_change_detector import TextConditionedChangeDetector
from .ttp import TimeTravellingPixels

__all__ = [
    'BAN', 'BiTemporalEncoderDecoder', 'ChangeFine', 'ChangeFineSCD',
    'ChangeTTAModel',
    'DIEncoderDecoder', 'DistillBAN', 'DistillDIEncoderDecoder',
    'DistillSiamEncoderDecoder', 'DistillSiamEncoderDecoder_ChangeStar',
    'DistillTimeTravellingPixels', 'SiamEncoderDecoder',
    'SiamEncoderMultiDecoder', 'TextConditionedChangeDetector',
    'TimeTravellingPixels'
]
