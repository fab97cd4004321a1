"""SiamEncoderMultiDecoder + GeneralSCDHead: open-cd's names, losses,
predictions with 'cover_semantic', slide inference, and the SCD configs."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from changefine_mm.utils.runtime import adapt_to_machine
from conftest import REPO_ROOT

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DEMO = osp.join(REPO_ROOT, 'configs', 'scd', 'scd_upernet_r18_demo.py')
# config -> semantic classes its head predicts
SCD_CONFIGS = {'scd_upernet_r18_256x512_10k_second.py': 6,
               'scd_upernet_r18_416x416_40k_landsat.py': 4,
               'scd_upernet_r18_512x512_40k_bandon.py': 3,
               'scd_upernet_r18_demo.py': 6}
SIZE = 32


def build_model(path: str = DEMO, **model_options):
    cfg = Config.fromfile(path)
    cfg.model.pretrained = None
    cfg.model.update(model_options)
    adapt_to_machine(cfg, 'none')
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def samples(batch: int = 2):
    """Samples with binary change and per-date maps (255 = unchanged)."""
    generator = torch.Generator().manual_seed(1)
    out = []
    for _ in range(batch):
        change = torch.randint(0, 2, (1, SIZE, SIZE), generator=generator)
        cover = torch.randint(0, 6, (2, 1, SIZE, SIZE), generator=generator)
        cover[:, change == 0] = 255
        sample = SegDataSample(metainfo=dict(
            img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
            pad_shape=(SIZE, SIZE), padding_size=[0, 0, 0, 0]))
        sample.gt_sem_seg = PixelData(data=change)
        sample.set_data(dict(gt_sem_seg_from=PixelData(data=cover[0]),
                             gt_sem_seg_to=PixelData(data=cover[1])))
        out.append(sample)
    return out


def inputs(batch: int = 2) -> torch.Tensor:
    return torch.randn(batch, 6, SIZE, SIZE,
                       generator=torch.Generator().manual_seed(2))


def test_state_dict_names_are_opencds():
    model = build_model()
    keys = model.state_dict().keys()
    for part in ('binary_cd_head', 'semantic_cd_head',
                 'semantic_cd_head_aux'):
        assert f'decode_head.{part}.conv_seg.weight' in keys
    # The Siamese semantic head is one module under both names, as open-cd
    # registers it: both key sets are saved, holding the same tensors.
    head = model.decode_head
    assert head.semantic_cd_head_aux is head.semantic_cd_head
    assert head.siamese_semantic_head
    assert any(k.startswith('backbone.stem') for k in keys)


def test_separate_semantic_head_for_date_b():
    cfg = Config.fromfile(DEMO)
    aux = copy.deepcopy(cfg.model.decode_head.semantic_cd_head)
    model = build_model(decode_head=dict(semantic_cd_head_aux=aux))
    head = model.decode_head
    assert head.semantic_cd_head_aux is not head.semantic_cd_head
    assert not head.siamese_semantic_head


def test_losses_of_the_three_heads():
    model = build_model()
    losses = model.loss(inputs(), samples())
    assert {'decode.binary_cd.loss_ce', 'decode.semantic_cd_from.loss_ce',
            'decode.semantic_cd_to.loss_ce'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert model.decode_head.semantic_cd_head.conv_seg.weight.grad is not None


def test_missing_semantic_label_names_the_fix():
    model = build_model()
    batch = samples()
    del batch[0].gt_sem_seg_to
    with pytest.raises(KeyError, match='MultiImgMultiAnnLoadAnnotations'):
        model.loss(inputs(), batch)


def test_cover_semantic_predictions_and_labels():
    model = build_model().eval()
    batch = samples()
    gt_from = batch[0].gt_sem_seg_from.data.clone()
    with torch.no_grad():
        results = model.predict(inputs(), batch)
    result = results[0]
    change = result.pred_sem_seg.data
    for date in ('from', 'to'):
        pred = result.get(f'pred_sem_seg_{date}').data
        # (class + 1) * change: 0 where unchanged, 1..6 where changed.
        assert ((pred == 0) == (change == 0)).all()
        assert int(pred.max()) <= 6
        logits = result.get(f'seg_logits_{date}').data
        assert logits.shape == (6, SIZE, SIZE)
    # Labels: ignored (255) -> 0 'unchanged', classes shifted by one.
    expected = torch.where(gt_from == 255, torch.zeros_like(gt_from),
                           gt_from + 1)
    assert torch.equal(result.gt_sem_seg_from.data, expected)


def test_without_postprocess_keeps_head_classes():
    model = build_model(postprocess_pred_and_label=None).eval()
    with torch.no_grad():
        result = model.predict(inputs(1), samples(1))[0]
    assert int(result.pred_sem_seg_from.data.max()) <= 5
    assert int(result.gt_sem_seg_from.data.max()) == 255


def test_slide_inference_with_one_window_equals_whole():
    model = build_model().eval()
    metas = [s.metainfo for s in samples()]
    with torch.no_grad():
        whole = model.whole_inference(inputs(), metas)
        model.test_cfg = Config(dict(mode='slide', crop_size=(SIZE, SIZE),
                                     stride=(SIZE, SIZE)))
        slide = model.slide_inference(inputs(), metas)
        model.test_cfg = Config(dict(mode='slide', crop_size=(24, 24),
                                     stride=(8, 8)))
        windows = model.slide_inference(inputs(), metas)
    for name in ('seg_logits', 'seg_logits_from', 'seg_logits_to'):
        assert torch.allclose(whole[name], slide[name], atol=1e-6)
        assert windows[name].shape == whole[name].shape


def test_bad_postprocess_value():
    with pytest.raises(ValueError, match='cover_semantic'):
        build_model(postprocess_pred_and_label='cover')


@pytest.mark.parametrize('name', sorted(SCD_CONFIGS))
def test_scd_configs_build(name):
    path = osp.join(REPO_ROOT, 'configs', 'scd', name)
    cfg = Config.fromfile(path)
    assert cfg.val_evaluator.type == 'SCDMetric'
    model = build_model(path)
    assert type(model).__name__ == 'SiamEncoderMultiDecoder'
    assert model.semantic_num_classes == SCD_CONFIGS[name]
