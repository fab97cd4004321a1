from .feature_fusion import FeatureFusionNeck

__all__ = ['FeatureFusionNeck']
