"""Our SiamEncoderMultiDecoder + GeneralSCDHead against open-cd's real
code (tests/models/data/opencd/scd/, made by make_reference.py there):
same state-dict layout, logits, predictions after 'cover_semantic' and
losses on one 32x32 pair."""
import copy
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DATA = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'opencd')
REF = osp.join(DATA, 'scd')


def load_make_reference():
    spec = importlib.util.spec_from_file_location(
        'scd_make_reference', osp.join(REF, 'make_reference.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_matches_opencd():
    maker = load_make_reference()
    weights = maker.load_by_path('opencd_synthetic_weights',
                                 osp.join(DATA, 'synthetic_weights.py'))
    with open(osp.join(REF, 'state_dict_spec.json')) as f:
        spec = json.load(f)
    cfg = Config.fromfile(osp.join(REF, 'config.py'))
    torch.manual_seed(1)  # any seed: every weight comes from the spec
    model = MODELS.build(cfg.model)
    assert type(model).__module__.startswith('changefine_mm.')
    assert type(model.decode_head).__module__.startswith('changefine_mm.')
    assert [(e['name'], e['shape']) for e in weights.spec_of(
        model.state_dict())] == [(e['name'], e['shape'])
                                 for e in spec['entries']]
    model.load_state_dict(maker.shared_weights(weights, spec['entries']),
                          strict=True)
    model.eval()
    ref = torch.load(osp.join(REF, 'reference_io.pt'), weights_only=True)
    size = tuple(ref['packed_inputs_uint8'].shape[1:])
    sample = SegDataSample(metainfo=dict(ori_shape=size, img_shape=size))
    sample.gt_sem_seg = PixelData(data=ref['gt_sem_seg'])
    sample.set_data({
        k: PixelData(data=ref[k])
        for k in ('gt_sem_seg_from', 'gt_sem_seg_to')
    })
    batch = dict(inputs=[ref['packed_inputs_uint8']], data_samples=[sample])
    with torch.no_grad():
        data = model.data_preprocessor(copy.deepcopy(batch), True)
        losses = model(**data, mode='loss')
        result = model.test_step(batch)[0]
    for name in ('seg_logits', 'seg_logits_from', 'seg_logits_to'):
        torch.testing.assert_close(result.get(name).data, ref[name],
                                   rtol=1e-5, atol=1e-5)
    for name in ('pred_sem_seg', 'pred_sem_seg_from', 'pred_sem_seg_to'):
        assert torch.equal(result.get(name).data, ref[name]), name
    assert set(losses) >= set(ref['losses'])
    for name, value in ref['losses'].items():
        torch.testing.assert_close(losses[name], value, rtol=1e-5,
                                   atol=1e-5)
    # The reference has changes with several semantic classes.
    assert 0 < float(ref['pred_sem_seg'].float().mean()) < 1
    assert len(torch.unique(ref['pred_sem_seg_from'])) > 2
