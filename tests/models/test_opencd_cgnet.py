"""CGNet (open-cd's ``CGNet`` backbone with ``IdentityHead``s).

Reference: tests/models/data/opencd/cgnet/, made with open-cd's real code
by make_references.py there.
"""
import pytest
import torch
from mmseg.models.backbones import CGNet as MMSegCGNet

from changefine_mm.models.backbones import CGNet
from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_outputs_equal_open_cd(tmp_path):
    check_against_reference('cgnet', str(tmp_path))


def test_cgnet_name_means_open_cd_cgnet_in_our_scope():
    # Before open-cd's CGNet existed here, type='CGNet' fell through to
    # mmseg's semantic-segmentation CGNet and failed on `pretrained`.
    assert MODELS.get('CGNet') is CGNet
    assert MODELS.get('mmseg.CGNet') is MMSegCGNet
    model = MODELS.build(dict(type='CGNet', pretrained=None))
    assert isinstance(model, CGNet)


def test_maps_have_the_input_size_and_guidance_starts_as_identity():
    torch.manual_seed(0)
    model = CGNet(pretrained=None).eval()
    x1, x2 = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        change_map, final_map = model(x1, x2)
        features = torch.randn(1, 256, 4, 4)
        guided = model.cgm_2(features, change_map)
    assert change_map.shape == final_map.shape == (1, 1, 32, 32)
    # gamma starts at 0, so the attention adds nothing before training.
    assert torch.equal(guided, features)
