from .clip_zero_shot_classifier import CLIPZeroShotClassifier
from .fdaf import FDAF
from .interaction_layers import ChannelExchange, SpatialExchange, TwoIdentity
from .ttp_layer import TimeFusionTransformerEncoderLayer

__all__ = [
    'CLIPZeroShotClassifier', 'FDAF', 'ChannelExchange', 'SpatialExchange',
    'TimeFusionTransformerEncoderLayer', 'TwoIdentity'
]
