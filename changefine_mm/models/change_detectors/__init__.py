from .bitemporal_encoder_decoder import BiTemporalEncoderDecoder
from .di_encoder_decoder import DIEncoderDecoder
from .siam_encoder_decoder import SiamEncoderDecoder

__all__ = [
    'BiTemporalEncoderDecoder', 'DIEncoderDecoder', 'SiamEncoderDecoder'
]
