"""Fixtures of the semantic change inference tests: a tiny SCD model with a
bounded receptive field (config file and checkpoint written here).

The model is open-cd's SiamEncoderMultiDecoder on one ResNet-18 stage
(8 channels) with 1x1 FCN heads: no pooling pyramid, so a pixel sees only
about 30 pixels around it and a window's interior is predicted as in the
whole scene. At the default initialisation every pixel gets the same
classes, so the weights are set to give maps that vary: the semantic
heads' last convolutions get large random weights, and the change head
scores 'changed' by how much the two dates' features differ (no change
where they are equal).
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmseg.structures import SegDataSample

from conftest import REPO_ROOT

DEMO = osp.join(REPO_ROOT, 'configs', 'scd', 'scd_upernet_r18_demo.py')
TINY_SCD_CONFIG = f"""
_base_ = [{DEMO!r}]
head = dict(type='mmseg.FCNHead', in_channels=8, in_index=0, channels=8,
            num_convs=1, kernel_size=1, concat_input=False,
            dropout_ratio=0.0, align_corners=False,
            loss_decode=dict(type='mmseg.CrossEntropyLoss'))
model = dict(
    backbone=dict(num_stages=1, out_indices=(0, ), dilations=(1, ),
                  strides=(1, ), stem_channels=8, base_channels=8),
    decode_head=dict(
        binary_cd_neck=dict(out_indices=(0, )),
        binary_cd_head=dict(_delete_=True, num_classes=2, **head),
        semantic_cd_head=dict(_delete_=True, num_classes=6,
                              ignore_index=255, **head)))
"""
# Largest distance (pixels) at which an input pixel still changes an
# output pixel, rounded up: stem and stage-1 convolutions (radius 23) and
# the 4x bilinear upsampling.
RECEPTIVE_RADIUS = 32
_CACHE = {}


def write_tiny_scd(root, config_text: str, name: str = 'scd_tiny') -> tuple:
    """Write a tiny SCD config and its seeded checkpoint (module doc).

    Args:
        root (path-like): Folder to write into.
        config_text (str): The config (e.g. :data:`TINY_SCD_CONFIG`).
        name (str): File stem of the config and checkpoint.

    Returns:
        tuple[str, str]: (config path, checkpoint path).
    """
    from changefine_mm.apis import build_change_model
    config = osp.join(str(root), f'{name}.py')
    with open(config, 'w') as f:
        f.write(config_text)
    torch.manual_seed(0)
    model = build_change_model(config)
    heads = model.decode_head.heads()
    for head in heads.values():
        torch.nn.init.normal_(head.conv_seg.weight, std=3.0)
    binary = heads['seg_logits']
    torch.nn.init.zeros_(binary.convs[0].conv.bias)
    weight = binary.conv_seg.weight.data
    weight[1] = weight[1].abs()
    weight[0] = -weight[1]
    binary.conv_seg.bias.data[:] = torch.tensor([0.1, -0.1])
    checkpoint = osp.join(str(root), f'{name}.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=1)),
               checkpoint)
    return config, checkpoint


@pytest.fixture(scope='session')
def tiny_scd_files(tmp_path_factory):
    """(config path, checkpoint path) of the seeded tiny SCD model."""
    if 'files' not in _CACHE:
        _CACHE['files'] = write_tiny_scd(
            tmp_path_factory.mktemp('tiny_scd'), TINY_SCD_CONFIG)
    return _CACHE['files']


@pytest.fixture(scope='session')
def scd_inferencer(tiny_scd_files):
    """ChangeInferencer (an SCDInferencer) of the tiny model, batch 2."""
    from changefine_mm.apis import ChangeInferencer
    if 'inferencer' not in _CACHE:
        _CACHE['inferencer'] = ChangeInferencer(*tiny_scd_files,
                                                device='cpu', batch_size=2)
    return _CACHE['inferencer']


def blocky_pair(height: int, width: int, seed: int = 0):
    """Two (H, W, 3) uint8 RGB images of 16-pixel blocks of random colours;
    date B has a rectangle of new blocks in its middle."""
    def blocks(rows, cols, rng):
        small = rng.integers(0, 256, (-(-rows // 16), -(-cols // 16), 3))
        return small.astype(np.uint8).repeat(16, 0).repeat(16, 1)[:rows, :cols]

    rng = np.random.default_rng(seed)
    image_a = blocks(height, width, rng)
    image_b = image_a.copy()
    top, left = height // 4, width // 5
    image_b[top:3 * top, left:3 * left] = blocks(2 * top, 2 * left, rng)
    return image_a, image_b


def predict_scd_pair(model: torch.nn.Module, image_a: np.ndarray,
                     image_b: np.ndarray) -> dict:
    """The model's own ``test_step`` maps of one pair (whole image, or the
    config's slide mode): the reference the inference paths are held to.

    Args:
        model (nn.Module): A semantic change detector in eval mode.
        image_a (np.ndarray): (C, H, W) date A as ``read_image`` gives it.
        image_b (np.ndarray): (C, H, W) date B.

    Returns:
        dict: ``change``, ``from`` and ``to`` (H, W) int64 maps.
    """
    shape = image_a.shape[1:]
    inputs = torch.from_numpy(np.concatenate([image_a, image_b]))
    sample = SegDataSample(metainfo=dict(ori_shape=shape, img_shape=shape,
                                         pad_shape=shape))
    with torch.no_grad():
        result = model.test_step(dict(inputs=[inputs],
                                      data_samples=[sample]))[0]
    return {
        name: result.get(field).data.squeeze(0).long().cpu().numpy()
        for name, field in (('change', 'pred_sem_seg'),
                            ('from', 'pred_sem_seg_from'),
                            ('to', 'pred_sem_seg_to'))
    }
