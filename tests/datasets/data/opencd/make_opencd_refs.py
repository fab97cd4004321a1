"""Make the open-cd reference outputs that test_opencd_transforms.py and
test_opencd_datasets.py compare against.

Runs open-cd's real transforms and label loading (likyoo/open-cd, the
commit named in README.md) on seeded inputs and stores inputs and outputs
next to this script:

* ``transforms.npz``: the input pair and label, and for every case of
  ``CASES`` the outputs of open-cd's transform after seeding numpy;
  ``transforms.json``: the cases and their shape metadata.
* ``labels/``: small label files; ``labels.npz``: what open-cd's
  dataset and ``MultiImgLoadAnnotations`` make of them.

open-cd is imported from a checkout without its top-level ``__init__``
(which needs mmdet); nothing of it is copied into changefine_mm.

Usage::

    python tests/datasets/data/opencd/make_opencd_refs.py /tmp/open-cd
"""
import json
import os
import os.path as osp
import random
import sys
import types

import numpy as np
from PIL import Image

HERE = osp.dirname(osp.abspath(__file__))

# (case name, transform config, numpy seed)
CASES = [
    ('resize_to_multiple', dict(type='MultiImgResizeToMultiple',
                                size_divisor=16), 0),
    ('resize_to_multiple_nearest', dict(type='MultiImgResizeToMultiple',
                                        size_divisor=8,
                                        interpolation='nearest'), 0),
    ('rerange', dict(type='MultiImgRerange'), 0),
    ('rerange_pm1', dict(type='MultiImgRerange', min_value=-1.0,
                         max_value=1.0), 0),
    ('clahe', dict(type='MultiImgCLAHE'), 0),
    ('clahe_small', dict(type='MultiImgCLAHE', clip_limit=2.0,
                         tile_grid_size=(4, 4)), 0),
    ('rgb2gray', dict(type='MultiImgRGB2Gray'), 0),
    ('rgb2gray_one', dict(type='MultiImgRGB2Gray', out_channels=1,
                          weights=(0.2, 0.3, 0.5)), 0),
    ('adjust_gamma', dict(type='MultiImgAdjustGamma', gamma=1.7), 0),
    ('cutout_ratio', dict(type='MultiImgRandomCutOut', prob=1.0,
                          n_holes=(1, 3),
                          cutout_ratio=[(0.2, 0.3), (0.4, 0.1)],
                          seg_fill_in=255), 3),
    ('cutout_shape', dict(type='MultiImgRandomCutOut', prob=1.0, n_holes=2,
                          cutout_shape=(5, 4), fill_in=(10, 20, 30)), 4),
    ('cutout_skip', dict(type='MultiImgRandomCutOut', prob=0.0, n_holes=2,
                         cutout_shape=(5, 4)), 4),
    ('random_resize_ratio', dict(type='MultiImgRandomResize', scale=(40, 30),
                                 ratio_range=(0.5, 2.0), keep_ratio=True), 5),
    ('random_resize_range', dict(type='MultiImgRandomResize',
                                 scale=[(20, 16), (40, 36)],
                                 keep_ratio=False), 6),
    ('shortest_edge', dict(type='MultiImgResizeShortestEdge', scale=24,
                           max_size=40), 0),
    ('shortest_edge_capped', dict(type='MultiImgResizeShortestEdge',
                                  scale=(30, 50), max_size=32), 0),
    ('resize_pillow', dict(type='MultiImgResize', scale=(33, 21),
                           backend='pillow', clip_object_border=False), 0),
    ('resize_keep_ratio', dict(type='MultiImgResize', scale=(64, 40),
                               keep_ratio=True), 0),
    ('resize_factor', dict(type='MultiImgResize', scale_factor=1.5,
                           keep_ratio=True), 0),
    ('resize_factor_pair', dict(type='MultiImgResize',
                                scale_factor=(0.5, 1.25), keep_ratio=True),
     0),
    ('pad_reflect', dict(type='MultiImgPad', size=(36, 24),
                         pad_val=dict(img=7, seg=200),
                         padding_mode='reflect'), 0),
    ('pad_square', dict(type='MultiImgPad', pad_to_square=True, pad_val=5),
     0),
    ('pad_square_divisor', dict(type='MultiImgPad', pad_to_square=True,
                                size_divisor=16, padding_mode='edge'), 0),
    ('pad_fixed', dict(type='MultiImgPad', size=(40, 32)), 0),
    ('rotflip_pad_val', dict(type='MultiImgRandomRotFlip', rotate_prob=1.0,
                             flip_prob=0.0, degree=30, pad_val=9), 7),
    ('rotflip_flip', dict(type='MultiImgRandomRotFlip', rotate_prob=0.3,
                          flip_prob=1.0), 1),
    ('rotate', dict(type='MultiImgRandomRotate', prob=0.5, degree=45,
                    pad_val=3, seg_pad_val=254), 0),
    ('rotate_skipped', dict(type='MultiImgRandomRotate', prob=0.5,
                            degree=(-10, 20)), 1),
    ('crop_cat_max_ratio', dict(type='MultiImgRandomCrop', crop_size=(9, 11),
                                cat_max_ratio=0.6), 2),
    ('flip', dict(type='MultiImgRandomFlip', prob=0.5), 3),
    ('flip_directions', dict(type='MultiImgRandomFlip', prob=0.9,
                             direction=['horizontal', 'vertical',
                                        'diagonal']), 4),
    ('flip_probs', dict(type='MultiImgRandomFlip', prob=[0.3, 0.3],
                        direction=['vertical', 'diagonal']), 5),
    ('exchange_time', dict(type='MultiImgExchangeTime', prob=0.5), 0),
    ('normalize', dict(type='MultiImgNormalize', mean=[123.7, 116.3, 103.5],
                       std=[58.4, 57.1, 57.4], to_rgb=True), 0),
    # Seeds 19 and 44 are ones where a hue draw over [-d, d] instead of
    # open-cd's randint(-d, d), i.e. [-d, d - 1], would give +d.
    ('photometric', dict(type='MultiImgPhotoMetricDistortion'), 0),
    ('photometric_hue_edge', dict(type='MultiImgPhotoMetricDistortion'), 44),
    ('photometric_opencd_cfg', dict(type='MultiImgPhotoMetricDistortion',
                                    brightness_delta=10,
                                    contrast_range=(0.8, 1.2),
                                    saturation_range=(0.8, 1.2),
                                    hue_delta=10), 19),
]

# label file name -> (values written, PIL mode, suffix)
LABEL_SIZE = (6, 5)


def import_opencd(root: str) -> tuple:
    """Import ``opencd.datasets`` without ``opencd/__init__`` (mmdet).

    mmseg imports ``mmcv.ops``; without compiled ops (mmcv-lite) the
    stand-in that changefine_mm installs is used, as in the tests.
    """
    from changefine_mm.utils.mmcv_ops_standin import install_mmcv_ops_standin
    install_mmcv_ops_standin()
    package = types.ModuleType('opencd')
    package.__path__ = [osp.join(root, 'opencd')]
    sys.modules['opencd'] = package
    import opencd.datasets  # noqa: F401
    from opencd.registry import DATASETS, TRANSFORMS
    return DATASETS, TRANSFORMS


def inputs() -> dict:
    """The seeded input pair (24x20, BGR uint8) and its 0/1/255 label."""
    rng = np.random.RandomState(2024)
    img_a = rng.randint(0, 256, (20, 24, 3)).astype(np.uint8)
    img_b = rng.randint(0, 256, (20, 24, 3)).astype(np.uint8)
    label = (rng.rand(20, 24) > 0.6).astype(np.uint8)
    label[0, :3] = 255
    return dict(img_a=img_a, img_b=img_b, label=label)


def results_of(data: dict) -> dict:
    return dict(img=[data['img_a'].copy(), data['img_b'].copy()],
                gt_seg_map=data['label'].copy(), seg_fields=['gt_seg_map'],
                img_shape=data['img_a'].shape[:2],
                ori_shape=data['img_a'].shape[:2])


def meta_of(out: dict) -> dict:
    keys = ('img_shape', 'pad_shape', 'scale', 'scale_factor', 'keep_ratio')
    return {
        k: np.asarray(out[k]).tolist()
        for k in keys if k in out and out[k] is not None
    }


def fix_shortest_edge(transform) -> None:
    """open-cd's MultiImgResizeShortestEdge passes the list of both dates
    to ``_get_output_shape``, which reads ``img.shape`` and fails; give it
    the first date, as intended (both dates have one size)."""
    get_shape = transform._get_output_shape
    transform._get_output_shape = lambda imgs, scale: get_shape(imgs[0], scale)


def transform_refs(transforms) -> None:
    data = inputs()
    arrays = dict(data)
    meta = {}
    for name, cfg, seed in CASES:
        np.random.seed(seed)
        random.seed(seed)
        transform = transforms.build(cfg)
        if cfg['type'] == 'MultiImgResizeShortestEdge':
            fix_shortest_edge(transform)
        out = transform(results_of(data))
        arrays[f'{name}.img_a'] = np.asarray(out['img'][0])
        arrays[f'{name}.img_b'] = np.asarray(out['img'][1])
        arrays[f'{name}.label'] = np.asarray(out['gt_seg_map'])
        # The next draw shows that the transform consumed numpy's
        # generator exactly as open-cd's does (what later transforms get).
        meta[name] = dict(cfg=cfg, seed=seed, meta=meta_of(out),
                          next_draw=float(np.random.rand()))
    np.savez_compressed(osp.join(HERE, 'transforms.npz'), **arrays)
    with open(osp.join(HERE, 'transforms.json'), 'w') as f:
        json.dump(meta, f, indent=1)


def write_labels(folder: str) -> None:
    """Label files whose reading differs between rules."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(7)
    base = (rng.rand(*LABEL_SIZE) > 0.5).astype(np.uint8)
    Image.fromarray(base).save(osp.join(folder, 'zero_one.png'))
    Image.fromarray(base * 255).save(osp.join(folder, 'zero_255.png'))
    grey = rng.randint(0, 256, LABEL_SIZE).astype(np.uint8)
    Image.fromarray(grey).save(osp.join(folder, 'grey.png'))
    palette = Image.fromarray(base, mode='P')
    palette.putpalette([0, 0, 0, 200, 60, 20] + [0] * 762)
    palette.save(osp.join(folder, 'palette.png'))
    colour = np.stack([base * 255, base * 128, base * 30], axis=-1)
    Image.fromarray(colour.astype(np.uint8)).save(
        osp.join(folder, 'colour.png'))
    Image.fromarray(base * 255).save(osp.join(folder, 'jpeg.jpg'),
                                     quality=60)


LABEL_CASES = [
    # (case, dataset type, extra dataset args, transform args)
    ('levir', 'LEVIR_CD_Dataset', {}, {}),
    ('rsipac', 'RSIPAC_CD_Dataset', {}, {}),
    ('levir_none', 'LEVIR_CD_Dataset', dict(format_seg_map=None), {}),
    ('levir_reduce', 'LEVIR_CD_Dataset', dict(reduce_zero_label=True), {}),
    ('levir_cv2', 'LEVIR_CD_Dataset', {}, dict(imdecode_backend='cv2')),
]


def label_refs(datasets, transforms) -> None:
    folder = osp.join(HERE, 'labels')
    write_labels(folder)
    names = sorted(os.listdir(folder))
    arrays = {}
    for case, dataset_type, extra, load_args in LABEL_CASES:
        dataset = datasets.build(
            dict(type=dataset_type, data_prefix=dict(), lazy_init=True,
                 **extra))
        loader = transforms.build(
            dict(type='MultiImgLoadAnnotations', **load_args))
        for name in names:
            results = dict(seg_map_path=osp.join(folder, name),
                           format_seg_map=dataset.format_seg_map,
                           reduce_zero_label=dataset.reduce_zero_label,
                           label_map=dataset.label_map, seg_fields=[])
            arrays[f'{case}.{name}'] = loader(results)['gt_seg_map']
    np.savez_compressed(osp.join(HERE, 'labels.npz'), **arrays)


def main() -> None:
    datasets, transforms = import_opencd(sys.argv[1])
    transform_refs(transforms)
    label_refs(datasets, transforms)


if __name__ == '__main__':
    main()
