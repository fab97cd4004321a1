"""Packing of a pair into the model's 6-channel input and a SegDataSample."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiImgPackSegInputs(BaseTransform):
    """Pack A and B into one (6, H, W) tensor and the label into a sample.

    ``inputs`` holds A's three channels then B's, in the loaded channel
    order (BGR from files; the data preprocessor converts). The label goes
    to ``data_samples.gt_sem_seg`` as int64 (1, H, W); semantic change
    maps (``gt_seg_map_from``/``_to``) go to ``gt_sem_seg_from``/``_to``.

    Args:
        meta_keys (sequence[str]): Keys copied into the sample's metainfo
            when present (``pair_name`` names the pair in test outputs).
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_path', 'seg_map_path',
                                             'seg_map_path_from',
                                             'seg_map_path_to',
                                             'pair_name',
                                             'ori_shape', 'img_shape',
                                             'pad_shape', 'scale_factor',
                                             'flip', 'flip_direction',
                                             'reduce_zero_label')) -> None:
        self.meta_keys = meta_keys

    def transform(self, results: dict) -> dict:
        channels_first = [
            np.ascontiguousarray(img.transpose(2, 0, 1))
            if img.ndim == 3 else img[None] for img in results['img']
        ]
        inputs = torch.from_numpy(np.concatenate(channels_first, axis=0))
        sample = SegDataSample()
        if 'gt_seg_map' in results:
            label = results['gt_seg_map'].astype(np.int64)
            sample.gt_sem_seg = PixelData(data=torch.from_numpy(label[None]))
        for date in ('from', 'to'):
            if f'gt_seg_map_{date}' in results:
                label = results[f'gt_seg_map_{date}'].astype(np.int64)
                sample.set_data({
                    f'gt_sem_seg_{date}':
                    PixelData(data=torch.from_numpy(label[None]))
                })
        sample.set_metainfo({
            key: results[key]
            for key in self.meta_keys if key in results
        })
        return dict(inputs=inputs, data_samples=sample)
