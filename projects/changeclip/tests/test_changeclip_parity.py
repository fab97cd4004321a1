"""ChangeCLIP against the official code: same weights, same logits.

``data/changeclip_{r50,vit-b16}.npz`` hold the official segmentor's
weights (official names), inputs, prompt class names and evaluation logits,
made by ``make_reference.py`` from github.com/dyzy41/ChangeCLIP. The model
built from our config, given those weights through
:func:`convert_official_state_dict`, must reproduce the logits.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from changeclip_tiny import tiny_config

from changefine_mm.registry import MODELS
from conftest import read_exact_reference
from projects.changeclip.changeclip import convert_official_state_dict

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DATA = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
# The widths make_reference.py gives the official model.
TEXT = dict(
    text_encoder=dict(context_length=24, token_length=16,
                      transformer_width=16, transformer_heads=1,
                      transformer_layers=1, embed_dim=32),
    context_decoder=dict(transformer_width=16, transformer_heads=2,
                         transformer_layers=1, visual_dim=32),
    fusion_channels=256,
    decode_head=dict(
        channels=256, text_dim=32, in_channels=[256] * 4, norm_groups=32,
        stage_blocks=[[
            dict(type='SwinBlock', num_heads=2, feedforward_channels=512,
                 window_size=7, shift=shift) for shift in (False, True)
        ]] * 3))
VARIANTS = {
    'r50': ('changeclip_r50_256x256_20k_whucd.py', dict(
        # The official pool always has 32 heads (RN50's width * 32 // 64).
        backbone=dict(width=8, heads=32, output_dim=32, input_resolution=64),
        neck=dict(in_channels=[64, 128, 256, 516], out_channels=256),
        minus_channels=[32, 64, 128, 258])),
    'vit-b16': ('changeclip_vit-b16_256x256_20k_whucd.py', dict(
        backbone=dict(width=32, layers=4, heads=1, output_dim=32,
                      out_indices=[0, 1, 2, 3], drop_path_rate=0.1),
        neck=dict(in_channels=[64, 64, 68, 64], out_channels=256),
        minus_channels=[32, 32, 34, 32])),
}


def official_model(variant: str, mode: str = 'official') -> torch.nn.Module:
    config, widths = VARIANTS[variant]
    cfg = tiny_config(config)
    cfg.merge_from_dict(dict(model=dict(TEXT, mode=mode, **widths)))
    return MODELS.build(cfg.model).eval()


def load_reference(variant: str):
    weights, arrays = read_exact_reference(
        osp.join(DATA, f'changeclip_{variant}.npz'))
    metas = [
        dict(prompt_classes=[a.split(', '), b.split(', ')],
             img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64))
        for a, b in zip(arrays['names_a'], arrays['names_b'])
    ]
    inputs = torch.from_numpy(arrays['inputs']).float() / 8
    return weights, inputs, metas, torch.from_numpy(arrays['logits'])


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_official_weights_give_the_official_logits(variant):
    weights, inputs, metas, expected = load_reference(variant)
    model = official_model(variant)
    ours, renamed = convert_official_state_dict(weights)
    assert 'contexts2' in renamed
    missing, unexpected = model.load_state_dict(ours, strict=False)
    # Only buffers our model derives itself are absent from the official
    # state dict.
    assert all(k.endswith(('num_batches_tracked', 'relative_position_index'))
               for k in missing), missing
    assert not unexpected
    with torch.no_grad():
        logits = model.encode_decode(inputs, metas)
    assert logits.shape == expected.shape
    # Float rounding leaves < 1e-6 (logits are O(0.1)); changing one
    # constant (e.g. 1 -> 1.01 in the cosine gate) moves them by > 3e-5.
    torch.testing.assert_close(logits, expected, atol=5e-6, rtol=0)


def test_fixed_mode_departs_from_the_published_evaluation():
    weights, inputs, metas, expected = load_reference('r50')
    model = official_model('r50', mode='fixed')
    model.load_state_dict(convert_official_state_dict(weights)[0],
                          strict=False)
    with torch.no_grad():
        logits = model.encode_decode(inputs, metas)
    # Date B is prompted with its own classes, not date A's.
    assert not np.allclose(logits.numpy(), expected.numpy(), atol=1e-3)
