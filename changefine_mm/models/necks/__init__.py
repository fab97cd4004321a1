from .cpfm_neck import CPFMNeck
from .feature_fusion import FeatureFusionNeck

__all__ = ['CPFMNeck', 'FeatureFusionNeck']
