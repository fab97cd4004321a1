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


def test_local_trunk_weights_must_fit(tmp_path):
    # A torchvision checkpoint of another model is refused by name.
    path = str(tmp_path / 'not_efficientnet_b4.pth')
    torch.save({'features.0.0.weight': torch.zeros(8, 3, 3, 3)}, path)
    with pytest.raises(ValueError, match='not_efficientnet_b4.pth does not '
                       'fit Sequential: missing'):
        MODELS.build(dict(type='TinyCD', in_channels=3, pretrained=path))
