"""Albumentations on the pair: one draw for A, B and the label.

open-cd's ``MultiImgAlbu`` under its name and arguments. The two dates are
stacked into one (H, W, 2C) image for albumentations, so that a single
random draw moves both, then split again. albumentations is optional
(``pip install albumentations``); the error says so when it is missing.
"""
import copy
from typing import List, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from changefine_mm.registry import TRANSFORMS


def _albumentations():
    try:
        import albumentations
    except ImportError as err:
        raise ImportError(
            'MultiImgAlbu needs albumentations, an optional dependency: '
            'pip install albumentations') from err
    return albumentations


def _build(albu, cfg: dict):
    """One albumentations transform from ``dict(type=..., **args)``."""
    if not isinstance(cfg, dict) or not isinstance(cfg.get('type'), str):
        raise TypeError('each MultiImgAlbu transform must be a dict with a '
                        f'string "type", got {cfg!r}')
    args = dict(cfg)
    name = args.pop('type')
    if not hasattr(albu, name):
        raise ValueError(f'albumentations has no transform {name!r}')
    if 'transforms' in args:
        args['transforms'] = [_build(albu, t) for t in args['transforms']]
    return getattr(albu, name)(**args)


@TRANSFORMS.register_module()
class MultiImgAlbu(BaseTransform):
    """Apply an albumentations pipeline given as config dicts.

    Args:
        transforms (list[dict]): albumentations transforms, e.g.
            ``dict(type='RandomBrightnessContrast', p=0.5)``; ``OneOf`` and
            similar take nested ``transforms``.
        keymap (dict, optional): Result key -> albumentations key. Defaults
            to ``{'img': 'image', 'gt_seg_map': 'mask'}``. (open-cd's
            default names ``gt_semantic_seg``, a key its loaders never
            write, so its labels were not moved with the images; here they
            are.)
        update_pad_shape (bool): Set ``pad_shape`` to the output shape.
        additional_targets (dict, optional): Passed to ``Compose``.
    """

    def __init__(self,
                 transforms: List[dict],
                 keymap: Optional[dict] = None,
                 update_pad_shape: bool = False,
                 additional_targets: Optional[dict] = None) -> None:
        # The module is not kept: transforms must pickle for spawned
        # dataloader workers.
        albu = _albumentations()
        self.transforms = copy.deepcopy(transforms)
        self.update_pad_shape = update_pad_shape
        self.additional_targets = additional_targets
        self.aug = albu.Compose([_build(albu, t) for t in self.transforms],
                                additional_targets=additional_targets)
        self.keymap_to_albu = dict(keymap or {
            'img': 'image',
            'gt_seg_map': 'mask'
        })
        self.keymap_back = {v: k for k, v in self.keymap_to_albu.items()}

    def transform(self, results: dict) -> dict:
        channels = results['img'][0].shape[2]
        inputs = {
            self.keymap_to_albu[k]: v
            for k, v in results.items() if k in self.keymap_to_albu
        }
        inputs['image'] = np.concatenate(inputs['image'], axis=-1)
        outputs = self.aug(**inputs)
        stacked = outputs.pop('image')
        for key, value in outputs.items():
            results[self.keymap_back.get(key, key)] = value
        results['img'] = [stacked[..., :channels], stacked[..., channels:]]
        results['img_shape'] = stacked.shape[:2]
        if self.update_pad_shape:
            results['pad_shape'] = stacked.shape[:2]
        return results
