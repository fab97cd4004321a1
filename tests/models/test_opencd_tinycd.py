"""TinyCD (open-cd's ``TinyCD`` backbone with an ``IdentityHead``).

Reference: tests/models/data/opencd/tinycd/, made with open-cd's real code
by make_references.py there.
"""
import pytest
import torch

from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_outputs_equal_open_cd(tmp_path):
    check_against_reference('tinycd', str(tmp_path))


def test_frozen_trunk_and_output_shape():
    model = MODELS.build(dict(type='TinyCD', in_channels=3,
                              pretrained=None, freeze_backbone=True))
    assert not any(p.requires_grad for p in model._backbone.parameters())
    assert all(p.requires_grad for p in model._up.parameters())
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        (logits, ) = model.eval()(x, x)
    assert logits.shape == (1, 1, 32, 32)


def test_other_trunks_are_refused():
    with pytest.raises(ValueError, match='efficientnet_b4'):
        MODELS.build(dict(type='TinyCD', in_channels=3,
                          bkbn_name='efficientnet_b0', pretrained=None))
