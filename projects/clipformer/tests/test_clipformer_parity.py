"""CLIPFormer against the official code: same weights, same logits.

``data/clipformer.npz`` holds the official segmentor's weights (official
names), inputs, prompt class names and evaluation logits, made by
``make_reference.py`` from github.com/wujiang0156/CLIPformer on ChangeCLIP's
mmseg fork. The model built from our LEVIR-CD config at the same widths,
given those weights through :func:`convert_official_state_dict`, must
reproduce the logits.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from changefine_mm.registry import MODELS
from conftest import read_exact_reference
from projects.clipformer.clipformer import convert_official_state_dict

pytestmark = pytest.mark.usefixtures('one_torch_thread')

HERE = osp.dirname(osp.abspath(__file__))
CONFIG = osp.join(osp.dirname(HERE), 'configs',
                  'clipformer_swin-t_256x256_40k_levircd.py')
# The widths make_reference.py gives the official model.
WIDTHS = dict(
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4],
                  output_dim=512, swin_checkpoint=None),
    text_encoder=dict(context_length=24, token_length=16,
                      transformer_width=16, transformer_heads=1,
                      transformer_layers=1, embed_dim=512,
                      clip_checkpoint=None),
    context_decoder=dict(transformer_width=16, transformer_heads=2,
                         transformer_layers=1, visual_dim=512),
    neck=dict(in_channels=[32, 64, 128, 260]),
    minus_channels=[16, 32, 64, 130],
    change_cue=dict(in_channels=[16, 32, 64, 130]),
    mode='official')


def test_official_weights_give_the_official_logits():
    weights, arrays = read_exact_reference(osp.join(HERE, 'data',
                                                    'clipformer.npz'))
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(dict(model=WIDTHS))
    model = MODELS.build(cfg.model).eval()
    ours, renamed = convert_official_state_dict(weights)
    assert 'convd1x.conv2d.weight' in renamed
    missing, unexpected = model.load_state_dict(ours, strict=False)
    assert all(k.endswith(('num_batches_tracked', 'relative_position_index'))
               for k in missing), missing
    assert not unexpected
    metas = [
        dict(prompt_classes=[a.split(', '), b.split(', ')],
             img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64))
        for a, b in zip(arrays['names_a'], arrays['names_b'])
    ]
    inputs = torch.from_numpy(arrays['inputs']).float() / 8
    with torch.no_grad():
        logits = model.encode_decode(inputs, metas)
    expected = torch.from_numpy(arrays['logits'])
    # Float rounding leaves ~1e-6 (logits are O(1)); changing one constant
    # moves them by far more (see the commit message).
    torch.testing.assert_close(logits, expected, atol=2e-5, rtol=0)
