"""IFN (open-cd's ``IFN`` backbone with ``IdentityHead`` and
``DSIdentityHead``).

Reference: tests/models/data/opencd/ifn/, made with open-cd's real code by
make_references.py there.
"""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_outputs_equal_open_cd(tmp_path):
    # open-cd's IFN always downloads ImageNet VGG-16 weights; ours can skip
    # them (the checkpoint holds the encoder anyway).
    check_against_reference('ifn', str(tmp_path),
                            backbone=dict(pretrained=None))


def test_side_outputs_are_deeply_supervised():
    model = MODELS.build(dict(type='IFN', pretrained=None))
    outs = model(torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32))
    assert [o.shape[-1] for o in outs] == [2, 4, 8, 16, 32]
    assert model.encoder1 is model.encoder2
    head = MODELS.build(dict(
        type='DSIdentityHead', in_channels=[1, 1, 1, 1],
        in_index=[0, 1, 2, 3], input_transform='multiple_select',
        num_classes=2, out_channels=1, threshold=0.5,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=True)))
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.ones(1, 32, 32,
                                                  dtype=torch.long))
    losses = head.loss(outs, [sample], None)
    assert sorted(losses) == ['acc_seg'] + [
        f'aux_{i}_loss_ce' for i in range(4)
    ]
    losses['aux_0_loss_ce'].backward()
    # The VGG-16 encoder is frozen; the decoder learns.
    assert model.encoder1.features[0].weight.grad is None
    assert model.o1_conv1[0].weight.grad is not None
