"""DistillBAN (open-cd's MTKD wrapper around BAN) against open-cd's real
code.

Reference: tests/models/data/opencd/mtkd_ban/, made by make_reference.py
there: open-cd's ``mtkd-ban_vit-b16-clip_mit-b0`` config with a tiny
CLIP-arranged ViT, the student's foundation model at 32x32 and the
teachers at the full 64x64, one labelled batch whose two pairs go to the
small and the large teacher.
"""
import os.path as osp

import pytest
import torch
from mmseg.structures import SegDataSample

from opencd_reference import DATA, WEIGHTS, load_reference_model
from test_opencd_mtkd import reference_batch

pytestmark = pytest.mark.usefixtures('one_torch_thread')
FAMILY = 'mtkd_ban'
TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture(scope='module')
def reference():
    return torch.load(osp.join(DATA, FAMILY, 'reference_io.pt'),
                      weights_only=True)


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    _, model = load_reference_model(FAMILY,
                                    str(tmp_path_factory.mktemp(FAMILY)))
    return model


def test_state_dict_is_open_cds(model):
    ours = [(e['name'], e['shape'], e['dtype'])
            for e in WEIGHTS.spec_of(model.state_dict())]
    spec = WEIGHTS.read_spec(osp.join(DATA, FAMILY, 'state_dict_spec.json'))
    assert ours == [(e['name'], e['shape'], e['dtype']) for e in spec]


def test_training_losses_and_distilled_logits_equal_open_cd(
        model, reference):
    seen = {}

    def record(module, args, output):
        seen['student_logits'], seen['teacher_logits'] = args

    handle = model.distill_loss.register_forward_hook(record)
    try:
        with torch.no_grad():
            data = model.data_preprocessor(reference_batch(reference), True)
            losses = model.loss(data['inputs'], data['data_samples'])
    finally:
        handle.remove()
    # Student and teachers differ; a wrong teacher or resolution shows.
    assert not torch.allclose(seen['student_logits'],
                              seen['teacher_logits'], **TOL)
    for key in ('student_logits', 'teacher_logits'):
        torch.testing.assert_close(seen[key], reference[key], **TOL)
    assert sorted(losses) == sorted(reference['losses'])
    for key, value in reference['losses'].items():
        torch.testing.assert_close(losses[key], value, **TOL)


def test_student_prediction_equals_open_cd(model, reference):
    pair = reference['packed_inputs_uint8'][0]
    size = tuple(pair.shape[1:])
    batch = dict(inputs=[pair], data_samples=[
        SegDataSample(metainfo=dict(ori_shape=size, img_shape=size))])
    with torch.no_grad():
        result = model.test_step(batch)[0]
    torch.testing.assert_close(result.seg_logits.data,
                               reference['seg_logits'], **TOL)
    assert torch.equal(result.pred_sem_seg.data, reference['pred_sem_seg'])
