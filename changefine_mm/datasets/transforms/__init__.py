from .albu import MultiImgAlbu
from .cutout import MultiImgRandomCutOut
from .formatting import MultiImgPackSegInputs
from .geometric import (MultiImgExchangeTime, MultiImgPad, MultiImgRandomCrop,
                        MultiImgRandomFlip, MultiImgRandomRotate,
                        MultiImgRandomRotFlip, MultiImgResize)
from .inferencer_loader import MultiImgLoadInferencerLoader
from .intensity import (MultiImgAdjustGamma, MultiImgCLAHE, MultiImgRerange,
                        MultiImgRGB2Gray)
from .label_rules import LabelValueError, encode_binary_label, read_label_image
from .loading import (ImagePairError, MultiImgLoadAnnotations,
                      MultiImgLoadImageFromFile, MultiImgLoadImageFromNDArray,
                      display_image, load_image)
from .photometric import MultiImgNormalize, MultiImgPhotoMetricDistortion
from .resize import (MultiImgRandomResize, MultiImgResizeShortestEdge,
                     MultiImgResizeToMultiple)
from .scd_loading import MultiImgMultiAnnLoadAnnotations

__all__ = [
    'MultiImgPackSegInputs', 'MultiImgExchangeTime', 'MultiImgPad',
    'MultiImgRandomCrop', 'MultiImgRandomFlip', 'MultiImgRandomRotate',
    'MultiImgRandomRotFlip', 'MultiImgResize', 'LabelValueError',
    'encode_binary_label', 'read_label_image', 'ImagePairError',
    'MultiImgLoadAnnotations', 'MultiImgLoadImageFromFile',
    'MultiImgLoadImageFromNDArray', 'load_image', 'display_image',
    'MultiImgNormalize',
    'MultiImgPhotoMetricDistortion', 'MultiImgAlbu', 'MultiImgRandomCutOut',
    'MultiImgLoadInferencerLoader', 'MultiImgAdjustGamma', 'MultiImgCLAHE',
    'MultiImgRerange', 'MultiImgRGB2Gray', 'MultiImgRandomResize',
    'MultiImgResizeShortestEdge', 'MultiImgResizeToMultiple',
    'MultiImgMultiAnnLoadAnnotations'
]
