from .cpfm_neck import CPFMNeck
from .farseg_fpn import FarSegFPN
from .feature_fusion import FeatureFusionNeck
from .tiny_fpn import TinyFPN

__all__ = ['CPFMNeck', 'FarSegFPN', 'FeatureFusionNeck', 'TinyFPN']
