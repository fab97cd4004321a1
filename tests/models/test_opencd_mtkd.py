"""MTKD multi-teacher distillation wrappers (open-cd's
``DistillDIEncoderDecoder``, ``DistillSiamEncoderDecoder_ChangeStar`` and
the ``DistillLoss*`` losses).

References: tests/models/data/opencd/mtkd_{tinycd,changestar_farseg}/,
made with open-cd's real code by make_references.py there: the training
losses of one labelled batch whose two pairs go to different teachers.
"""
import os.path as osp

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from opencd_reference import DATA, WEIGHTS, load_reference_model

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def reference_batch(ref: dict) -> dict:
    samples = []
    for label in ref['labels']:
        size = tuple(label.shape[1:])
        sample = SegDataSample(metainfo=dict(ori_shape=size, img_shape=size))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=list(ref['packed_inputs_uint8']),
                data_samples=samples)


@pytest.mark.parametrize('family', ['mtkd_tinycd', 'mtkd_changestar_farseg'])
def test_losses_equal_open_cd(family, tmp_path):
    _, model = load_reference_model(family, str(tmp_path))
    ours = [(e['name'], e['shape'])
            for e in WEIGHTS.spec_of(model.state_dict())]
    spec = WEIGHTS.read_spec(osp.join(DATA, family, 'state_dict_spec.json'))
    assert ours == [(e['name'], e['shape']) for e in spec]
    ref = torch.load(osp.join(DATA, family, 'reference_io.pt'),
                     weights_only=True)
    with torch.no_grad():
        data = model.data_preprocessor(reference_batch(ref), True)
        losses = model.loss(data['inputs'], data['data_samples'])
    assert sorted(losses) == sorted(ref['losses'])
    for key, value in ref['losses'].items():
        torch.testing.assert_close(losses[key], value, rtol=1e-5, atol=1e-5)


def test_teacher_follows_the_changed_area():
    model = MODELS.build(dict(
        type='DistillDIEncoderDecoder',
        distill_loss=dict(type='DistillLoss'),
        backbone=dict(type='FC_EF', in_channels=6, base_channel=4),
        decode_head=dict(type='mmseg.FCNHead', in_channels=4, channels=4,
                         num_convs=0, concat_input=False, num_classes=2)))
    assert model.teacher_for(0.01) is model.teacher_s
    assert model.teacher_for(0.1) is model.teacher_m
    assert model.teacher_for(0.5) is model.teacher_l
    with pytest.raises(ValueError, match='area_thresholds'):
        MODELS.build(dict(
            type='DistillDIEncoderDecoder',
            distill_loss=dict(type='DistillLoss'), area_thresholds=(0.3, 0.1),
            backbone=dict(type='FC_EF', in_channels=6, base_channel=4),
            decode_head=dict(type='mmseg.FCNHead', in_channels=4, channels=4,
                             num_convs=0, concat_input=False, num_classes=2)))


def test_distill_losses():
    student = torch.randn(2, 2, 4, 4)
    same = MODELS.build(dict(type='DistillLoss'))(student, student)
    torch.testing.assert_close(same, torch.tensor(0.), atol=1e-6, rtol=0)
    pixel = MODELS.build(dict(type='DistillLossWithPixel', loss_weight=0.,
                              pixel_weight=2.))
    torch.testing.assert_close(pixel(student, student + 1), torch.tensor(2.))
    pair = MODELS.build(dict(type='DistillLossWithPixel_ChangeStar',
                             loss_weight=0., pixel_weight=1.))
    one = torch.zeros(1, 1, 2, 2)
    torch.testing.assert_close(pair((one, one), (one + 2, one)),
                               torch.tensor(2.))


def test_teachers_predict_in_eval_mode_while_the_student_trains():
    model = MODELS.build(dict(
        type='DistillDIEncoderDecoder',
        distill_loss=dict(type='DistillLossWithPixel'),
        backbone=dict(type='FC_EF', in_channels=6, base_channel=4),
        decode_head=dict(type='mmseg.FCNHead', in_channels=4, channels=4,
                         num_convs=0, concat_input=False, num_classes=2)))
    model.train()
    before = model.teacher_l.state_dict()
    before = {k: v.clone() for k, v in before.items()}
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.ones(1, 16, 16,
                                                  dtype=torch.long))
    losses = model.loss(torch.randn(2, 6, 16, 16), [sample, sample])
    assert set(losses) >= {'decode.loss_ce', 'distill'}
    assert model.backbone.training and not model.teacher_l.training
    # The teacher's BatchNorm statistics did not move.
    for key, value in model.teacher_l.state_dict().items():
        assert torch.equal(value, before[key]), key
