"""Loading of one inference input, whatever form the pair comes in."""
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiImgLoadInferencerLoader(BaseTransform):
    """open-cd's inferencer loader: file paths, arrays or a results dict.

    ``[path_a, path_b]`` is read by ``MultiImgLoadImageFromFile``;
    ``[array_a, array_b]`` (or a dict with ``img``) goes through
    ``MultiImgLoadImageFromNDArray``; any other dict is read from its
    ``img_path``.

    Args:
        **kwargs: Arguments of ``MultiImgLoadImageFromFile`` (for example
            ``to_float32``, ``bands``, ``scale``, ``backend_args``).
    """

    def __init__(self, **kwargs) -> None:
        self.from_file = TRANSFORMS.build(
            dict(type='MultiImgLoadImageFromFile', **kwargs))
        self.from_ndarray = TRANSFORMS.build(
            dict(type='MultiImgLoadImageFromNDArray'))

    def transform(self, single_input: Union[Sequence, dict]) -> dict:
        if isinstance(single_input, dict):
            inputs = dict(single_input)
        elif len(single_input) != 2:
            raise ValueError('MultiImgLoadInferencerLoader takes one pair '
                             f'(2 items), got {len(single_input)}')
        elif all(isinstance(item, str) for item in single_input):
            inputs = dict(img_path=list(single_input))
        elif all(isinstance(item, np.ndarray) for item in single_input):
            inputs = dict(img=list(single_input))
        else:
            raise TypeError('MultiImgLoadInferencerLoader takes two paths, '
                            'two arrays or a dict, got '
                            f'{[type(i).__name__ for i in single_input]}')
        if 'img' in inputs:
            return self.from_ndarray(inputs)
        return self.from_file(inputs)
