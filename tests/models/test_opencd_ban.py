"""BAN (open-cd's ``BAN`` detector, ``BitemporalAdapterHead``,
``BAN_MLPDecoder`` and ``BAN_BITHead``).

References: tests/models/data/opencd/ban/{mit_b0,bit_r18}/, made with
open-cd's real code by make_reference.py there (tiny CLIP-arranged ViT,
the configs' own side encoders and decoders).
"""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from opencd_reference import (check_against_reference, load_reference_model,
                              reference_config)

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.mark.parametrize('family', ['ban/mit_b0', 'ban/bit_r18'])
def test_outputs_equal_open_cd(family, tmp_path):
    check_against_reference(family, str(tmp_path))


def test_training_reaches_adapter_and_decoder(tmp_path):
    _, model = load_reference_model('ban/mit_b0', str(tmp_path))
    model.train()
    sample = SegDataSample(metainfo=dict(img_shape=(64, 64)))
    sample.gt_sem_seg = PixelData(
        data=torch.randint(0, 2, (1, 64, 64), generator=torch.Generator()
                           .manual_seed(0)))
    losses = model.loss(torch.randn(1, 6, 64, 64), [sample])
    assert sorted(losses) == ['decode.acc_seg', 'decode.loss_ce']
    losses['decode.loss_ce'].backward()
    head = model.decode_head
    bridge = head.side_adapter_network.clip_attns[0]
    assert bridge.attn.attn.in_proj_weight.grad is not None
    assert head.mask_decoder.conv_seg.weight.grad is not None
    assert not hasattr(head, 'conv_seg')


def test_unsupported_side_encoder_is_named():
    with pytest.raises(TypeError, match='mmseg.UNet.*MixVisionTransformer'):
        MODELS.build(dict(
            type='BitemporalAdapterHead',
            ban_cfg=dict(side_enc_cfg=dict(type='mmseg.UNet')),
            ban_dec_cfg=dict(type='BAN_MLPDecoder', in_channels=[8],
                             channels=8, num_classes=2)))


def test_asymmetric_input_needs_a_resolution():
    with pytest.raises(ValueError, match='encoder_resolution'):
        MODELS.build(dict(type='BAN', image_encoder=dict(),
                          decode_head=dict(), asymetric_input=True))


def test_distill_ban_adds_teachers_and_a_distillation_loss():
    cfg = reference_config('ban/mit_b0')
    model = MODELS.build(dict(
        cfg.model, type='DistillBAN',
        distill_loss=dict(type='DistillLossWithPixel', temperature=2.0,
                          loss_weight=0.0, pixel_weight=0.001)))
    state = model.state_dict()
    for size in 'lms':
        assert f'teacher_{size}.image_encoder.cls_token' in state
    sample = SegDataSample(metainfo=dict(img_shape=(64, 64)))
    # 25 % changed: the large-change teacher.
    label = torch.zeros(1, 64, 64, dtype=torch.long)
    label[:, :32, :32] = 1
    sample.gt_sem_seg = PixelData(data=label)
    assert model._teacher_for(0.25) is model.teacher_l
    losses = model.loss(torch.randn(1, 6, 64, 64), [sample])
    assert set(losses) == {'decode.acc_seg', 'decode.loss_ce', 'distill'}
    assert not model.teacher_l.training
