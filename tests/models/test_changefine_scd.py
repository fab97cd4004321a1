"""ChangeFineSCD: the land-cover class names are the CLIP prompts and the
semantic classifier; shapes of the three maps; ChangeFine's settings reach
the change branch; a tiny model trains, resumes and tests with SCDMetric
on SECOND-layout fixtures; tools/infer.py writes its from-to raster.

The tiny model is configs/scd/changefine_scd_tiny_demo.py (random tiny
SAM/CLIP, ``init_seed``) on 32x32 pairs.
"""
import copy
import json
import os
import os.path as osp

import numpy as np
import open_clip
import pytest
import rasterio
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.apis.scd_inference import is_scd_config
from changefine_mm.datasets import SECONDDataset
from changefine_mm.datasets.synthetic_scd import write_scd_dataset
from changefine_mm.registry import MODELS
from conftest import REPO_ROOT, load_tool
from test_scd_training import tiny_cfg as scd_runner_cfg

pytestmark = pytest.mark.usefixtures('one_torch_thread')

CONFIGS = osp.join(REPO_ROOT, 'configs', 'scd')
TINY = osp.join(CONFIGS, 'changefine_scd_tiny_demo.py')
SECOND = osp.join(CONFIGS, 'changefine_scd_second.py')
SIZE = 32
# The semantic maps of SECONDDataset (reduce_semantic_zero_label) index
# its classes without 'unchanged'.
LAND_COVER = list(SECONDDataset.METAINFO['semantic_classes'][1:])


def tiny_model_cfg(**backbone) -> dict:
    cfg = Config.fromfile(TINY).model
    cfg.data_preprocessor.size = (SIZE, SIZE)
    cfg.backbone.update(backbone)
    return cfg


def build(cfg: dict) -> torch.nn.Module:
    return MODELS.build(copy.deepcopy(cfg))


def batch(model: torch.nn.Module, size: int = SIZE, count: int = 2) -> dict:
    """A preprocessed training batch with random change and land cover."""
    gen = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(count):
        inputs.append(torch.randint(0, 256, (6, size, size),
                                    dtype=torch.uint8, generator=gen))
        sample = SegDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            pad_shape=(size, size)))
        change = torch.zeros(1, size, size, dtype=torch.long)
        change[:, 4:20, 8:24] = 1
        sample.gt_sem_seg = PixelData(data=change)
        for date in ('from', 'to'):
            cover = torch.randint(0, len(LAND_COVER), (1, size, size),
                                  generator=gen)
            # Unchanged pixels carry no land cover (SECOND): ignored.
            sample.set_data({f'gt_sem_seg_{date}': PixelData(
                data=torch.where(change > 0, cover, 255))})
        samples.append(sample)
    return model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), True)


@pytest.fixture(scope='module')
def tiny_cfg() -> dict:
    return tiny_model_cfg()


def test_class_names_come_from_the_dataset():
    for path in (SECOND, TINY):
        cfg = Config.fromfile(path)
        assert cfg.model.backbone.class_names == LAND_COVER
        assert cfg.test_dataloader.dataset.type == 'SECONDDataset'
        assert cfg.model.postprocess_pred_and_label == 'cover_semantic'
        assert is_scd_config(path)


def test_prompts_are_the_class_names(tiny_cfg):
    model = build(tiny_cfg)
    learner = model.backbone.prompt_learner
    assert model.backbone.class_names == tuple(LAND_COVER)
    assert model.decode_head.semantic_cd_head.num_classes == len(LAND_COVER)
    assert model.neck.num_classes == len(LAND_COVER)
    # CoOp prompts '[SOS] X X X X <name>. [EOS]': the end-of-text token
    # sits after each name's own tokens.
    tokens = open_clip.tokenize([f'X X X X {n}.' for n in LAND_COVER],
                                context_length=16)
    assert torch.equal(learner.eot_indices, tokens.argmax(dim=-1))

    # Renaming one class changes its text embedding, and with it that
    # class's land-cover logits; the other prompts stay the same.
    renamed = build(tiny_model_cfg(
        class_names=['lake'] + LAND_COVER[1:]))
    text, text_renamed = (m.backbone.class_text_embeddings()
                          for m in (model, renamed))
    assert not torch.allclose(text[0], text_renamed[0])
    assert torch.equal(text[1:], text_renamed[1:])
    data = batch(model)
    logits, logits_renamed = (
        m.eval()._forward(data['inputs'])['seg_logits_from']
        for m in (model, renamed))
    assert not torch.allclose(logits[:, 0], logits_renamed[:, 0])


def test_text_is_the_classifier(tiny_cfg):
    """Land-cover logit k = exp(logit_scale) * cos(pixel, text_k)."""
    head = build(tiny_cfg).eval().decode_head.semantic_cd_head
    grid = SIZE // 16
    feats = [torch.randn(1, 64, grid, grid) for _ in range(4)]
    text = torch.randn(1, len(LAND_COVER), 64)
    date = dict(feats=feats, score_map=torch.randn(1, grid * grid, 6),
                text=text)
    logits = head(date)
    assert logits.shape == (1, len(LAND_COVER), 4 * grid, 4 * grid)
    scale = head.logit_scale.exp()
    assert logits.abs().max() <= scale + 1e-4
    # Scaling a class text changes nothing; swapping two swaps the maps.
    date['text'] = text * torch.tensor([3., 1, 1, 1, 1, 1])[:, None]
    assert torch.allclose(head(date), logits, atol=1e-5)
    date['text'] = text[:, [1, 0, 2, 3, 4, 5]]
    assert torch.allclose(head(date)[:, [1, 0]], logits[:, :2], atol=1e-5)


def test_losses_and_gradients(tiny_cfg):
    model = build(tiny_cfg).train()
    losses = model(**batch(model), mode='loss')
    for key in ('binary_cd.loss_fine_focal', 'binary_cd.loss_fine_dice',
                'binary_cd.loss_coarse_focal', 'binary_cd.loss_contrast',
                'semantic_cd_from.loss_ce', 'semantic_cd_to.loss_ce'):
        assert torch.isfinite(losses['decode.' + key]), key
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    head = model.decode_head
    for name, param in (
            ('logit_scale', head.semantic_cd_head.logit_scale),
            ('semantic embed', head.semantic_cd_head.embed.weight),
            ('change decoder alpha', head.binary_cd_head.alpha),
            ('CoOp context', model.backbone.prompt_learner.ctx),
            ('SAM-CLIP fusion', model.backbone.fusion.gamma)):
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_semantic_loss_ignores_unchanged(tiny_cfg):
    """Each date's loss is the cross-entropy of its logits over the pixels
    with a land-cover label; 255 (SECOND's 'unchanged') adds nothing."""
    model = build(tiny_cfg).eval()
    data = batch(model)
    with torch.no_grad():
        losses = model(**data, mode='loss')
        logits = model._forward(data['inputs'])
    for date in ('from', 'to'):
        labels = torch.cat([s.get(f'gt_sem_seg_{date}').data
                            for s in data['data_samples']])
        assert (labels == 255).any() and (labels != 255).any()
        up = F.interpolate(logits[f'seg_logits_{date}'], size=labels.shape[1:],
                           mode='bilinear', align_corners=False)
        expected = F.cross_entropy(up, labels, ignore_index=255)
        assert torch.allclose(losses[f'decode.semantic_cd_{date}.loss_ce'],
                              expected, atol=1e-5)


@pytest.mark.parametrize('test_cfg, size', [
    (dict(mode='whole'), SIZE),
    (dict(mode='slide', crop_size=(32, 32), stride=(16, 16)), 48),
    (dict(mode='whole', precision='bf16'), SIZE),
])
def test_prediction_maps(tiny_cfg, test_cfg, size):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.test_cfg = test_cfg
    cfg.data_preprocessor.size = (size, size)
    model = build(cfg).eval()
    data = batch(model, size)
    samples = model.predict(data['inputs'], data['data_samples'])
    for sample in samples:
        change = sample.pred_sem_seg.data
        assert change.shape == (1, size, size)
        assert sample.seg_logits.data.shape == (2, size, size)
        for date in ('from', 'to'):
            logits = sample.get(f'seg_logits_{date}').data
            assert logits.shape == (len(LAND_COVER), size, size)
            assert logits.dtype == torch.float32
            pred = sample.get(f'pred_sem_seg_{date}').data
            # cover_semantic: (class + 1) where changed, 0 elsewhere.
            assert torch.equal(pred, (logits.argmax(0, keepdim=True) + 1)
                               * change)
            assert 0 <= pred.min() and pred.max() <= len(LAND_COVER)


def test_settings_reach_the_change_branch(tiny_cfg):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.mode = 'official'
    model = build(cfg)
    assert model.decode_head.binary_cd_head.mode == 'official'
    assert model.decode_head.binary_cd_head.loss_decode.mode == 'official'
    assert model.neck.interacts[0].mode == 'official'
    losses = model.train()(**batch(model), mode='loss')
    assert torch.isfinite(losses['decode.semantic_cd_to.loss_ce'])
    assert torch.isfinite(losses['decode.binary_cd.loss_fine_dice'])
    cfg.decode_head.semantic_cd_head.num_classes = 3
    with pytest.raises(ValueError, match='number of backbone.class_names'):
        build(cfg)
    cfg = copy.deepcopy(tiny_cfg)
    cfg.decode_head = cfg.decode_head.binary_cd_head
    with pytest.raises(KeyError, match='ChangeFineSCDHead config'):
        build(cfg)


def runner_cfg(data_root: str, work_dir: str, max_iters: int) -> Config:
    cfg = scd_runner_cfg(data_root, work_dir, max_iters, TINY)
    cfg.model.data_preprocessor.size = (SIZE, SIZE)
    return cfg


@pytest.fixture(scope='module')
def trained(tmp_path_factory) -> dict:
    """Train 2 iterations, resume to 4, test; on SECOND-layout fixtures."""
    root = tmp_path_factory.mktemp('changefine_scd')
    data_root = str(root / 'data')
    write_scd_dataset(data_root, dict(train=2, val=1, test=1), size=SIZE,
                      seed=3)
    work_dir = str(root / 'work')
    Runner.from_cfg(runner_cfg(data_root, work_dir, 2)).train()
    first = torch.load(osp.join(work_dir, 'iter_2.pth'), weights_only=True)
    stamp = os.stat(osp.join(work_dir, 'iter_2.pth')).st_mtime_ns
    cfg = runner_cfg(data_root, work_dir, 4)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    return dict(data_root=data_root, work_dir=work_dir, first=first,
                stamp=stamp, runner=runner, scores=runner.test())


def test_train_resume_test(trained):
    work_dir, runner = trained['work_dir'], trained['runner']
    assert runner.iter == 4
    # A run that started over would have rewritten iter_2.pth.
    assert os.stat(osp.join(work_dir, 'iter_2.pth')).st_mtime_ns == \
        trained['stamp']
    resumed = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=True)
    assert resumed['meta']['iter'] == 4
    state = resumed['state_dict']
    # Frozen SAM/CLIP weights are not stored; the heads and CoOp are.
    assert not any(k.startswith('backbone.image_encoder.') for k in state)
    for name in ('decode_head.semantic_cd_head.embed.weight',
                 'decode_head.binary_cd_head.alpha',
                 'backbone.prompt_learner.ctx'):
        assert not torch.equal(trained['first']['state_dict'][name],
                               state[name]), name
    scores = trained['scores']
    for key in ('binary/F1', 'semantic/mIoU', 'semantic/mIoU_scd',
                'semantic/F_scd'):
        assert 0 <= scores[key] <= 100, key
    # A kappa: negative for an untrained model.
    assert -100 <= scores['semantic/SeK'] <= 100
    with open(osp.join(work_dir, 'scd.csv')) as f:
        assert f.read().splitlines()[1].startswith('test_0000.png,')


def test_infer_tool_writes_from_to_raster(trained, tmp_path):
    checkpoint = osp.join(trained['work_dir'], 'iter_4.pth')
    test_dir = osp.join(trained['data_root'], 'test')
    out = str(tmp_path / 'from_to.tif')
    polygons = str(tmp_path / 'from_to.geojson')
    tool = load_tool('infer.py')
    assert tool.main([
        TINY, checkpoint, osp.join(test_dir, 'im1', 'test_0000.png'),
        osp.join(test_dir, 'im2', 'test_0000.png'), '-o', out, '--polygons',
        polygons
    ]) == 0
    with rasterio.open(out) as src:
        codes = src.read(1)
        colours = src.colormap(1)
    # 7 classes with 'unchanged' (cover_semantic): codes 1 + from * 7 + to.
    assert codes.shape == (SIZE, SIZE) and codes.dtype == np.uint8
    assert codes.max() <= 7 * 7
    assert colours[1 + 1 * 7 + 5][:3] == (128, 0, 0)  # to building
    with open(polygons) as f:
        features = json.load(f)['features']
    names = set(SECONDDataset.METAINFO['semantic_classes'])
    for feature in features:
        assert {feature['properties']['from'],
                feature['properties']['to']} <= names
    assert bool(features) == bool((codes > 0).any())
