"""LightCDNet (open-cd's ``LightCDNet`` backbone, ``TinyFPN`` neck,
``DS_FPNHead`` and an ``mmseg.FCNHead`` auxiliary head).

Reference: tests/models/data/opencd/lightcdnet_s/, made with open-cd's
real code (and mmcv's pure-PyTorch CrissCrossAttention) by
make_references.py there.
"""
import pytest
import torch

from changefine_mm.models.backbones.lightcdnet import CrissCrossAttention
from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_outputs_equal_open_cd(tmp_path):
    check_against_reference('lightcdnet_s', str(tmp_path))


def test_criss_cross_attention_sees_only_row_and_column():
    torch.manual_seed(0)
    attention = CrissCrossAttention(16).eval()
    attention.gamma.scale.data.fill_(1.)
    x = torch.randn(1, 16, 5, 6)
    changed = x.clone()
    changed[:, :, 4, 5] += 1  # neither in row 1 nor in column 2
    with torch.no_grad():
        delta = attention(changed) - attention(x)
    assert delta[:, :, 1, 2].abs().max() == 0
    assert delta[:, :, 1, 5].abs().max() > 0  # same column


def test_outputs_and_bad_type():
    model = MODELS.build(dict(type='LightCDNet', stage_repeat_num=[4, 8, 4],
                              net_type='small')).eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        outs = model(x, x)
    assert [tuple(o.shape[1:]) for o in outs] == [(24, 16, 16), (48, 8, 8),
                                                  (96, 4, 4), (192, 2, 2)]
    with pytest.raises(ValueError, match='net_type must be one of'):
        MODELS.build(dict(type='LightCDNet', stage_repeat_num=[4, 8, 4],
                          net_type='tiny'))
