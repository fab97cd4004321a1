"""Albumentations on the pair: one draw for A, B and the label.

open-cd's ``MultiImgAlbu`` under its name and arguments. The two dates are
stacked into one (H, W, 2C) image for albumentations, so that a single
random draw moves both, then split again. albumentations is optional
(``pip install albumentations``); the error says so when it is missing.

Any band count and dtype go through geometric transforms. albumentations
changes pixel values (its ``ImageOnlyTransform`` subclasses) of uint8
images or floats in 0..1 only: it clips other floats to 0..1 (a scaled
0..255 image would turn white) and changes the dtype of 16-bit ones, so
such pairs are refused by name; transforms made for 1- or 3-channel
images (HueSaturationValue, CLAHE, ToGray, ...) cannot take the stacked
pair, whose albumentations error is re-raised with the shapes, and
``ChannelShuffle`` would mix the bands of the two dates.
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


def _pixel_transforms(albu, transforms) -> List[str]:
    """Names of the transforms, nested ones too, that change pixel values.
    """
    image_only = getattr(albu, 'ImageOnlyTransform', ())
    names = []
    for transform in transforms:
        names += _pixel_transforms(albu, getattr(transform, 'transforms', []))
        if isinstance(transform, image_only):
            names.append(type(transform).__name__)
    return names


def _albu_levels(images: List[np.ndarray]) -> bool:
    """Whether albumentations' pixel transforms keep these images' values:
    uint8, or floats in 0..1."""
    if images[0].dtype == np.uint8:
        return True
    return images[0].dtype.kind == 'f' and all(
        0 <= float(i.min()) and float(i.max()) <= 1 for i in images)


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
        built = [_build(albu, t) for t in self.transforms]
        self.pixel_transforms = _pixel_transforms(albu, built)
        if 'ChannelShuffle' in self.pixel_transforms:
            raise ValueError(
                'MultiImgAlbu: ChannelShuffle would mix the bands of the two '
                'dates (they are stacked into one image for one draw)')
        self.aug = albu.Compose(built, additional_targets=additional_targets)
        self.keymap_to_albu = dict(keymap or {
            'img': 'image',
            'gt_seg_map': 'mask'
        })
        self.keymap_back = {v: k for k, v in self.keymap_to_albu.items()}

    def _check(self, images: List[np.ndarray]) -> None:
        if self.pixel_transforms and not _albu_levels(images):
            low = min(float(i.min()) for i in images)
            high = max(float(i.max()) for i in images)
            raise ValueError(
                f'MultiImgAlbu: {", ".join(self.pixel_transforms)} change '
                'pixel values, which albumentations does for uint8 images or '
                f'floats in 0..1; these are {images[0].dtype.name} in '
                f'{low:g}..{high:g} with {images[0].shape[2]} bands per '
                'date. Use MultiImgPhotoMetricDistortion (float 0..255 '
                'works) or keep only geometric transforms in MultiImgAlbu')

    def transform(self, results: dict) -> dict:
        self._check(results['img'])
        channels = results['img'][0].shape[2]
        inputs = {
            self.keymap_to_albu[k]: v
            for k, v in results.items() if k in self.keymap_to_albu
        }
        inputs['image'] = np.concatenate(inputs['image'], axis=-1)
        try:
            outputs = self.aug(**inputs)
        except (TypeError, ValueError) as err:
            raise ValueError(
                'MultiImgAlbu: albumentations failed on the pair stacked as '
                f'one {inputs["image"].shape} {inputs["image"].dtype.name} '
                f'image ({channels} bands per date, one draw for both): '
                f'{err} Transforms made for 1- or 3-channel images cannot '
                'take a stacked pair; use MultiImgPhotoMetricDistortion, '
                'MultiImgCLAHE or MultiImgRGB2Gray instead') from err
        stacked = outputs.pop('image')
        for key, value in outputs.items():
            results[self.keymap_back.get(key, key)] = value
        results['img'] = [stacked[..., :channels], stacked[..., channels:]]
        results['img_shape'] = stacked.shape[:2]
        if self.update_pad_shape:
            results['pad_shape'] = stacked.shape[:2]
        return results
