from .cpfm_neck import CPFMNeck
from .feature_fusion import FeatureFusionNeck
from .tiny_fpn import TinyFPN

__all__ = ['CPFMNeck', 'FeatureFusionNeck', 'TinyFPN']
