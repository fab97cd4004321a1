"""ChangeStar (open-cd's ``ChangeStarHead`` around a ``FarSegHead`` with
the ``FarSegFPN`` neck, or around mmseg's ``UPerHead``).

References: tests/models/data/opencd/changestar_{farseg,upernet}/, made
with open-cd's real code by make_references.py there.
"""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference, reference_config

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.mark.parametrize('family', ['changestar_farseg',
                                    'changestar_upernet'])
def test_outputs_equal_open_cd(family, tmp_path):
    check_against_reference(family, str(tmp_path))


def test_both_temporal_orders_are_supervised_and_mean_mode():
    cfg = reference_config('changestar_farseg').model.decode_head
    cfg.update(inference_mode='mean')
    torch.manual_seed(0)
    head = MODELS.build(cfg)
    levels = [torch.randn(2, 512, s, s) for s in (8, 4, 2, 1)]
    inputs = levels + [torch.randn(2, 1024, 1, 1)]
    sample = SegDataSample(metainfo=dict(img_shape=(32, 32)))
    sample.gt_sem_seg = PixelData(data=torch.ones(1, 32, 32,
                                                  dtype=torch.long))
    losses = head.loss(inputs, [sample, sample], None)
    assert sorted(losses) == sorted(
        f'{order}.{name}' for order in ('t1t2', 't2t1')
        for name in ('loss_ce', 'loss_dice', 'acc_seg'))
    head.eval()
    with torch.no_grad():
        t1t2, t2t1 = head(inputs)
        mean = head.predict(inputs, [sample.metainfo] * 2, None)
    assert mean.shape == (2, 1, 32, 32)
    torch.testing.assert_close(
        mean, torch.nn.functional.interpolate(
            (t1t2 + t2t1) / 2, (32, 32), mode='bilinear'))
    with pytest.raises(ValueError, match='inference_mode must be one of'):
        MODELS.build(dict(cfg, inference_mode='max'))
