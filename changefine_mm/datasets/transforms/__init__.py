from .formatting import MultiImgPackSegInputs
from .geometric import (MultiImgExchangeTime, MultiImgPad, MultiImgRandomCrop,
                        MultiImgRandomFlip, MultiImgRandomRotate,
                        MultiImgRandomRotFlip, MultiImgResize)
from .label_rules import LabelValueError, encode_binary_label, read_label_image
from .loading import (ImagePairError, MultiImgLoadAnnotations,
                      MultiImgLoadImageFromFile, MultiImgLoadImageFromNDArray,
                      decode_image)
from .photometric import MultiImgNormalize, MultiImgPhotoMetricDistortion

__all__ = [
    'MultiImgPackSegInputs', 'MultiImgExchangeTime', 'MultiImgPad',
    'MultiImgRandomCrop', 'MultiImgRandomFlip', 'MultiImgRandomRotate',
    'MultiImgRandomRotFlip', 'MultiImgResize', 'LabelValueError',
    'encode_binary_label', 'read_label_image', 'ImagePairError',
    'MultiImgLoadAnnotations', 'MultiImgLoadImageFromFile',
    'MultiImgLoadImageFromNDArray', 'decode_image', 'MultiImgNormalize',
    'MultiImgPhotoMetricDistortion'
]
