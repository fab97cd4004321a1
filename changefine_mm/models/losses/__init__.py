from .bcl_loss import BCLLoss
from .changefine_loss import ChangeFineLoss
from .distill_loss import (DistillLoss, DistillLossWithPixel,
                           DistillLossWithPixel_ChangeStar)
from .focal_dice import FocalDiceLoss
from .hard_sample_contrast_loss import HardSampleContrastLoss

__all__ = [
    'BCLLoss', 'ChangeFineLoss', 'DistillLoss', 'DistillLossWithPixel',
    'DistillLossWithPixel_ChangeStar', 'FocalDiceLoss',
    'HardSampleContrastLoss'
]
