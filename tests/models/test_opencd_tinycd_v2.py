"""TinyCD v2 (open-cd's ``TinyNet`` backbone, ``TinyFPN`` neck and
``TinyHead``).

Reference: tests/models/data/opencd/tinycd_v2_s/ (the 'S' variant), made
with open-cd's real code by make_references.py there.
"""
import pytest
import torch

from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_outputs_equal_open_cd(tmp_path):
    check_against_reference('tinycd_v2_s', str(tmp_path))


def test_tiny_fpn_passes_early_features_through():
    neck = MODELS.build(dict(type='TinyFPN', exist_early_x=True,
                             in_channels=[8, 16], out_channels=8,
                             num_outs=3, add_extra_convs='on_output'))
    early = torch.randn(1, 4, 16, 16)
    feats = [torch.randn(1, 8, 8, 8), torch.randn(1, 16, 4, 4)]
    outs = neck([early] + feats)
    assert outs[0] is early
    assert [o.shape[2] for o in outs[1:]] == [8, 4, 2]
    with pytest.raises(ValueError, match='expects 2 pyramid inputs'):
        neck([early] + feats[:1])


def test_frozen_stages_and_norm_eval():
    model = MODELS.build(dict(type='TinyNet', arch='S', widen_factor=0.5,
                              frozen_stages=1, norm_eval=True))
    model.train()
    assert not any(p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not model.layer2[0].conv[0].bn.training
    with pytest.raises(ValueError, match='arch must be one of'):
        MODELS.build(dict(type='TinyNet', arch='XL'))
