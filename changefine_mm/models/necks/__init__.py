from .cpfm_neck import CPFMNeck
from .farseg_fpn import FarSegFPN
from .feature_fusion import FeatureFusionNeck
from .sequential_neck import SequentialNeck
from .simple_fpn import SimpleFPN
from .tiny_fpn import TinyFPN

__all__ = [
    'CPFMNeck', 'FarSegFPN', 'FeatureFusionNeck', 'SequentialNeck',
    'SimpleFPN', 'TinyFPN'
]
