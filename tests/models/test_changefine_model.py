"""The ChangeFine detector: mode wiring, stacked dates, shapes, training in
both modes, checkpoints, frozen encoders, official key mapping and
converter, parameter counts and an end-to-end official-mode golden chain.

Tiny variants come from configs/changefine/changefine_tiny_demo.py, with
tiny SAM/CLIP weight files written in the real release layouts.
"""
import copy
import json
import os.path as osp
import re
import sys

import pytest
import torch
from conftest import REPO_ROOT, golden_path
from mmengine.config import Config, ConfigDict
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.runner import save_checkpoint
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.models.utils.clip_loading import CLIPArch, build_clip
from changefine_mm.models.utils.official_names import (
    convert_official_state_dict, official_to_ours)
from changefine_mm.models.utils.sam_loading import (SAMEncoderArch,
                                                    build_sam_image_encoder)
from changefine_mm.registry import MODELS
from changefine_mm.utils import CheckpointError, load_checkpoint_file

TINY_CONFIG = osp.join(REPO_ROOT, 'configs', 'changefine',
                       'changefine_tiny_demo.py')
FROZEN = ('backbone.image_encoder.', 'backbone.clip_image_encoder.visual.',
          'backbone.text_encoder.')
GOLDENS = ('scfe_fusion', 'cpfm', 'neck', 'pcd', 'hscm')
# Official parameters the model does not build (never used by the forward).
DEAD = {
    'neck.conv_last': 9_439_234,
    'neck.norm*': 4_096 + 4 * 1_024,
    'interacts.i.{norm,norm3,ch_attn.norm}': 4 * 3 * 1_024,
}
# Official modules that paper mode does not build.
PAPER_DROPPED = {
    'clip_image_encoder.adapters': 3_538_944,
    'decoder.iou_prediction_head': 197_891,
    'decoder.output_hypernetworks_mlps.0': 558_144,
}


@pytest.fixture(scope='module')
def tiny_cfg() -> dict:
    return Config.fromfile(TINY_CONFIG).model


@pytest.fixture(scope='module')
def weight_files(tmp_path_factory, tiny_cfg) -> tuple:
    """Tiny SAM (Meta layout) and CLIP (OpenAI layout) files of the tiny
    config's dimensions."""
    root = tmp_path_factory.mktemp('changefine_weights')
    torch.manual_seed(0)
    sam = build_sam_image_encoder(
        SAMEncoderArch(**tiny_cfg.backbone.sam_arch))
    torch.save({f'image_encoder.{k}': v
                for k, v in sam.state_dict().items()}, root / 'sam.pth')
    torch.save(build_clip(CLIPArch(**tiny_cfg.backbone.clip_arch))
               .state_dict(), root / 'clip.pt')
    return str(root / 'sam.pth'), str(root / 'clip.pt')


def build(tiny_cfg, mode='paper', files=None, seed=0, **backbone):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.mode = mode
    cfg.data_preprocessor.size = (64, 64)
    cfg.init_seed = seed
    if files is not None:
        cfg.backbone.update(sam_checkpoint=files[0], clip_checkpoint=files[1])
    cfg.backbone.update(backbone)
    return MODELS.build(cfg)


def pairs(batch=2, size=64, seed=0) -> tuple:
    """Random pairs and labels with a changed square per image."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.rand(batch, 6, size, size, generator=gen) * 100 + 50
    samples = []
    for i in range(batch):
        label = torch.zeros(1, size, size, dtype=torch.long)
        label[:, 8 + 4 * i:size // 2 + 4 * i, 8:size // 2] = 1
        inputs[i, 3:, label[0] == 1] += 80  # date B differs there
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(size, size),
                                 ori_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample)
    return inputs, samples


# --------------------------------------------------------------- wiring


def test_mode_is_passed_to_every_part(tiny_cfg):
    model = build(tiny_cfg, 'official')
    loss = model.decode_head.loss_decode
    assert [model.mode, model.backbone.mode, model.decode_head.mode,
            loss.mode, loss.contrast.mode] == ['official'] * 5
    assert model.decode_head.test_passes == 5
    assert model.backbone.clip_image_encoder.adapters is not None
    assert model.neck.num_classes == len(tiny_cfg.backbone.class_names)


def test_part_settings_that_disagree_are_errors(tiny_cfg):
    for part, key, value in (('backbone', 'mode', 'official'),
                             ('neck', 'mode', 'official'),
                             ('decode_head', 'mode', 'official'),
                             ('neck', 'num_classes', 27)):
        cfg = copy.deepcopy(tiny_cfg)
        cfg[part][key] = value
        with pytest.raises(ValueError, match=rf'{part}\.{key}='):
            MODELS.build(cfg)
    cfg = copy.deepcopy(tiny_cfg)
    cfg.decode_head.loss_decode.contrast.mode = 'official'
    with pytest.raises(ValueError, match='loss_decode.contrast.mode'):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='mode must be one of'):
        MODELS.build(dict(tiny_cfg, mode='fixed'))


def test_stacked_dates_equal_separate_backbone_calls(tiny_cfg):
    model = build(tiny_cfg).eval()
    inputs, _ = pairs()
    with torch.no_grad():
        feats_from, feats_to = model.encode_dates(inputs)
        for feats, image in ((feats_from, inputs[:, :3]),
                             (feats_to, inputs[:, 3:])):
            alone = model.backbone(image)
            for ours, ref in zip(feats['feats'], alone['feats']):
                torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(feats['score_map'],
                                       alone['score_map'], atol=1e-5,
                                       rtol=1e-5)


@pytest.mark.parametrize('mode,size,inference', [
    ('paper', 256, 'whole'), ('paper', 512, 'slide'),
    ('official', 256, 'slide')])
def test_output_shapes_whole_and_slide(tiny_cfg, mode, size, inference):
    model = build(tiny_cfg, mode).eval()
    model.test_cfg = ConfigDict(mode=inference, crop_size=(256, 256),
                                stride=(256, 256))
    inputs, samples = pairs(batch=1, size=size)
    with torch.no_grad():
        out = model(inputs, mode='tensor')
        assert out['pred'].shape == (1, 2, size, size)
        assert out['pred_aux'].shape == (1, 2, size // 4, size // 4)
        assert out['dense_embed'].shape == (1, 32, size // 4, size // 4)
        result = model.predict(inputs, samples)[0]
    assert result.pred_sem_seg.data.shape == (1, size, size)
    assert result.seg_logits.data.shape == (2, size, size)


def test_frozen_encoders_run_without_autograd(tiny_cfg):
    model = build(tiny_cfg, 'paper').train()
    outputs = []
    hooks = [model.backbone.image_encoder.blocks[-1],
             model.backbone.clip_image_encoder]
    for module in hooks:
        module.register_forward_hook(
            lambda m, args, out: outputs.append(out))
    inputs, samples = pairs()
    losses = model.loss(inputs, samples)
    sum(v for k, v in losses.items() if k.startswith('decode.loss')
        ).backward()
    flat = [outputs[0], *outputs[1]]
    assert flat and all(t.grad_fn is None and not t.requires_grad
                        for t in flat)
    for name, param in model.named_parameters():
        if name.startswith(FROZEN):
            assert param.grad is None and not param.requires_grad, name
    # The CoOp context learns through the (frozen) text tower.
    assert model.backbone.prompt_learner.ctx.grad.abs().sum() > 0


# --------------------------------------------------------------- training


@pytest.mark.parametrize('mode', ['paper', 'official'])
def test_training_reduces_the_loss(tiny_cfg, mode):
    model = build(tiny_cfg, mode).train()
    wrapper = OptimWrapper(torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3))
    inputs, samples = pairs()
    data = dict(inputs=list(inputs), data_samples=samples)
    torch.manual_seed(0)
    losses = [model.train_step(data, wrapper)['loss'].item()
              for _ in range(6)]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert sum(losses[-2:]) < 0.85 * sum(losses[:2]), losses


def test_contrast_term_follows_runner_progress(tiny_cfg, synthetic_cd_root,
                                               tmp_path):
    """A Runner run: the MessageHub iter/max_iters set by the runner switch
    the contrast term on at contrast_start."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from changefine_mm.utils.runtime import adapt_to_machine

    seen = []

    class Record(Hook):

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            hub = MessageHub.get_current_instance()
            seen.append((hub.get_info('iter'), hub.get_info('max_iters'),
                         float(outputs['decode.loss_contrast'])))

    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.decode_head.loss_decode.contrast.update(
        contrast_start=0.5, max_views=2, max_samples=32)
    cfg.model.data_preprocessor.size = (64, 64)
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = synthetic_cd_root
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=4,
                         val_interval=100)
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.visualization = dict(type='ChangeVisualizationHook')
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.work_dir = str(tmp_path)
    adapt_to_machine(cfg, 'none')
    runner = Runner.from_cfg(cfg)
    runner.register_hook(Record())
    runner.train()
    assert [s[:2] for s in seen] == [(0, 4), (1, 4), (2, 4), (3, 4)]
    contrast = [s[2] for s in seen]
    assert contrast[:2] == [0.0, 0.0] and all(c > 0 for c in contrast[2:])


# ------------------------------------------------------------ checkpoints


@pytest.mark.parametrize('mode', ['paper', 'official'])
def test_checkpoint_round_trip_without_frozen_weights(tiny_cfg, weight_files,
                                                      tmp_path, mode):
    model = build(tiny_cfg, mode, weight_files, seed=1).eval()
    state = model.state_dict()
    assert not [k for k in state if k.startswith(FROZEN)]
    stored = {n for n, _ in model.named_parameters()} & set(state)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    # Stored: the trainable parameters, the persistent buffers and, in
    # official mode, the frozen-but-official adapters / IoU head / slot 0.
    frozen_stored = sorted({n.split('.')[1] for n in stored - trainable})
    assert frozen_stored == ([] if mode == 'paper' else
                             ['clip_image_encoder', 'decoder',
                              'prompt_learner'])
    assert trainable <= stored
    path = str(tmp_path / 'iter_1.pth')
    save_checkpoint(dict(meta=dict(), state_dict=state), path)
    state_bytes = sum(v.numel() * v.element_size() for v in state.values())
    all_bytes = sum(t.numel() * t.element_size()
                    for t in [*model.parameters(), *model.buffers()])
    assert state_bytes < osp.getsize(path) < state_bytes * 1.1 + 200_000
    assert osp.getsize(path) < 0.75 * all_bytes

    other = build(tiny_cfg, mode, weight_files, seed=2).eval()
    loaded = load_checkpoint_file(path)['state_dict']
    other.load_state_dict(loaded, strict=True)
    inputs, _ = pairs(batch=1)
    with torch.no_grad():
        expected = model(inputs, mode='tensor')
        got = other(inputs, mode='tensor')
    for key in ('pred', 'pred_aux'):
        torch.testing.assert_close(got[key], expected[key])
    with pytest.raises(RuntimeError, match='Missing key'):
        other.load_state_dict(
            {k: v for k, v in loaded.items() if 'alpha' not in k})


def test_random_encoders_are_reproducible_with_init_seed(tiny_cfg):
    first, second = build(tiny_cfg, seed=3), build(tiny_cfg, seed=3)
    torch.testing.assert_close(
        first.backbone.image_encoder.pos_embed,
        second.backbone.image_encoder.pos_embed)
    state = torch.random.get_rng_state()
    build(tiny_cfg, seed=4)
    assert torch.equal(state, torch.random.get_rng_state())


def test_missing_weight_file_names_file_and_key(tiny_cfg, tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'sam_vit_b_01ec64.pth.*`sam_checkpoint`'):
        build(tiny_cfg, sam_checkpoint=str(tmp_path / 'sam.pth'))


# -------------------------------------------------- official key mapping


def official_name(ours: str) -> str:
    """Our key -> the official key (inverse of official_to_ours)."""
    key = re.sub(r'^backbone\.(fusion\.)?', '', ours)
    key = re.sub(r'^decode_head\.(loss_decode\.contrast\.)?', '', key)
    return re.sub(r'^neck\.(?=(interacts|fusion_score|neck|embed_feats)\.)',
                  '', key)


@pytest.fixture(scope='module')
def full_official():
    cfg = Config.fromfile(TINY_CONFIG.replace('_tiny_demo', '_levircd'))
    cfg.model.backbone.update(sam_checkpoint=None, clip_checkpoint=None)
    cfg.model.update(mode='official', init_seed=0)
    with torch.device('meta'):
        return MODELS.build(cfg.model)


def test_every_official_key_maps_onto_the_model(full_official):
    ours = full_official.state_dict()
    for key in ours:
        assert official_to_ours(official_name(key)) == key
    dead = ['neck.conv_last.0.weight', 'neck.norm3.bias',
            'interacts.1.ch_attn.norm.weight', 'interacts.2.norm3.bias',
            'prompt_learner.token_suffix', 'image_encoder.blocks.0.norm1.bias',
            'text_encoder.ln_final.weight',
            'clip_image_encoder.transformer.resblocks.0.ln_1.weight']
    assert [official_to_ours(k) for k in dead] == [None] * len(dead)
    assert official_to_ours('decoder.iou_prediction_head.layers.0.bias',
                            'paper') is None
    assert official_to_ours('clip_image_encoder.adapters.0.down_project'
                            '.weight', 'paper') is None
    with pytest.raises(ValueError, match='unknown official ChangeFine key'):
        official_to_ours('head.weight')
    with pytest.raises(ValueError, match='strip the DDP prefix'):
        official_to_ours('module.alpha')


def golden_state_dicts() -> dict:
    return {name: load_checkpoint_file(
        golden_path('changefine', f'{name}_golden.pt'))['state_dict']
        for name in GOLDENS}


def test_golden_state_dicts_convert_onto_the_model(full_official):
    """All five golden files use full official names: merged into one
    official-layout state dict they map onto the model's keys and shapes,
    and exactly the dead parameters are dropped."""
    ours = full_official.state_dict()
    merged = {}
    for state in golden_state_dicts().values():
        merged.update(state)
    converted, dropped = convert_official_state_dict(merged)
    for key, value in converted.items():
        assert ours[key].shape == value.shape, key
    assert sorted({re.sub(r'\.(weight|bias|running_\w+|num_batches_\w+)$',
                          '', k) for k in dropped}) == [
        'interacts.0.ch_attn.norm', 'interacts.0.norm', 'interacts.0.norm3',
        'neck.conv_last.0', 'neck.conv_last.1.0', 'neck.conv_last.2',
        'neck.norm', 'neck.norm1', 'neck.norm2', 'neck.norm3', 'neck.norm4']
    dead = sum(merged[k].numel() for k in dropped
               if not re.search(r'running_|num_batches', k))
    assert dead == DEAD['neck.conv_last'] + DEAD['neck.norm*'] + 3 * 1024
    paper, paper_dropped = convert_official_state_dict(merged, 'paper')
    assert len(paper_dropped) - len(dropped) == sum(
        k.startswith(('decoder.iou_prediction_head.',
                      'decoder.output_hypernetworks_mlps.0.'))
        for k in merged)


def test_parameter_counts_match_the_official_model(full_official):
    """Per module and in total: param_counts.json minus exactly the dead
    parameters (official mode) and the modules paper mode does not build."""
    with open(golden_path('changefine', 'param_counts.json')) as f:
        counts = json.load(f)
    top = {k: v['total'] for k, v in counts['top_level'].items()}

    def count(module) -> int:
        return sum(p.numel() for p in module.parameters())

    model = full_official
    backbone, neck, head = model.backbone, model.neck, model.decode_head
    ours = {
        'image_encoder': count(backbone.image_encoder),
        'clip_image_encoder': count(backbone.clip_image_encoder),
        'text_encoder': count(backbone.text_encoder),
        'prompt_learner': count(backbone.prompt_learner),
        'gamma': backbone.fusion.gamma.numel(),
        'interacts': count(neck.interacts),
        'neck': count(neck.neck),
        'alpha': head.alpha.numel(),
        'pe_encoder': 0,
    }
    for name in ('norm_sam', 'context_visual_attn', 'cross_clip_sam',
                 'embed_img_t'):
        ours[name] = count(getattr(backbone.fusion, name))
    for name in ('fusion_score', 'embed_feats'):
        ours[name] = count(getattr(neck, name))
    for name in ('aux_head', 'embed_text', 'decoder'):
        ours[name] = count(getattr(head, name))
    expected = dict(top)
    expected['neck'] -= DEAD['neck.conv_last'] + DEAD['neck.norm*']
    expected['interacts'] -= DEAD['interacts.i.{norm,norm3,ch_attn.norm}']
    assert ours == expected
    assert count(model) == counts['total']['total'] - sum(DEAD.values())
    assert count(model) == 335_683_888

    cfg = Config.fromfile(TINY_CONFIG.replace('_tiny_demo', '_levircd'))
    cfg.model.backbone.update(sam_checkpoint=None, clip_checkpoint=None)
    cfg.model.init_seed = 0
    with torch.device('meta'):
        paper = MODELS.build(cfg.model)
    assert count(paper) == count(model) - sum(PAPER_DROPPED.values())
    trainable = sum(p.numel() for p in paper.parameters() if p.requires_grad)
    # Official: 131.1 M flagged trainable, of which 13.2 M are never used
    # or never get a gradient; paper mode trains the rest (plus nothing
    # else: the frozen encoders stay frozen).
    assert trainable == counts['total']['requires_grad'] - sum(
        DEAD.values()) - sum(PAPER_DROPPED.values())


# ------------------------------------------------------------ converter


def load_converter():
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'model_converters'))
    try:
        import changefine_official_to_mm
    finally:
        sys.path.pop(0)
    return changefine_official_to_mm


def test_converter_round_trip(tiny_cfg, weight_files, tmp_path):
    """Our official-mode state dict -> official names (+ dead entries) ->
    the converter -> a fresh model with identical outputs."""
    model = build(tiny_cfg, 'official', weight_files, seed=5).eval()
    official = {official_name(k): v for k, v in model.state_dict().items()}
    official['neck.conv_last.0.weight'] = torch.zeros(2, 2, 3, 3)
    official['prompt_learner.token_prefix'] = torch.zeros(2, 1, 64)
    src = tmp_path / 'official.pth'
    torch.save(dict(config_dict=dict(data=dict(num_classes=2)),
                    state_dict=official), src)
    dst = tmp_path / 'out' / 'converted.pth'
    output = load_converter().main([str(src), str(dst)])
    assert output['meta']['dropped_official_keys'] == [
        'neck.conv_last.0.weight', 'prompt_learner.token_prefix']
    assert output['meta']['official_config'] == dict(
        data=dict(num_classes=2))
    other = build(tiny_cfg, 'official', weight_files, seed=6).eval()
    other.load_state_dict(load_checkpoint_file(str(dst))['state_dict'],
                          strict=True)
    inputs, _ = pairs(batch=1)
    with torch.no_grad():
        torch.testing.assert_close(
            other(inputs, mode='tensor')['pred'],
            model(inputs, mode='tensor')['pred'])

    paper = load_converter().main([str(src), str(dst), '--mode', 'paper'])
    assert not [k for k in paper['state_dict'] if 'adapters' in k]


def test_converter_refuses_unsafe_files_without_trust(tmp_path):
    import argparse
    src = tmp_path / 'unsafe.pth'
    torch.save(dict(config_dict=argparse.Namespace(a=1),
                    state_dict={'alpha': torch.tensor(0.5)}), src)
    converter = load_converter()
    with pytest.raises(CheckpointError, match='trust'):
        converter.main([str(src), str(tmp_path / 'a.pth')])
    output = converter.main(
        [str(src), str(tmp_path / 'a.pth'), '--trust-checkpoint'])
    assert 'official_config' not in output['meta']
    assert list(load_checkpoint_file(str(tmp_path / 'a.pth'))
                ['state_dict']) == ['decode_head.alpha']
    torch.save(dict(state_dict={'head.weight': torch.zeros(1)}), src)
    with pytest.raises(ValueError, match='unknown official ChangeFine key'):
        converter.main([str(src), str(tmp_path / 'b.pth')])


# -------------------------------------------------- end-to-end golden chain


def test_official_golden_chain_through_the_detector(tiny_cfg):
    """Official mode, golden weights loaded with the model-level mapping.

    Date A = image 0 and date B = image 1 of the SCFE golden (the frozen
    encoders are replaced by the golden SAM/CLIP/text inputs; the SCFE
    golden has no SAM taps 0-2, so those carry the CPFM golden's x1/x2 of
    pair 0). One stacked backbone call must reproduce the golden fused map,
    score map and refined text of each date, and the neck's first CPFM,
    fed with date A as x1, the CPFM golden output. Neck and PCD goldens
    are not chained: their inputs are independent random tensors, not
    outputs of the previous module.
    """
    scfe = load_checkpoint_file(golden_path('changefine',
                                            'scfe_fusion_golden.pt'))
    cpfm = load_checkpoint_file(golden_path('changefine', 'cpfm_golden.pt'))
    cfg = copy.deepcopy(tiny_cfg)
    cfg.backbone.update(
        sam_arch=dict(img_size=256, embed_dim=768, depth=1, num_heads=12,
                      global_attn_indexes=(0, ), window_size=4),
        sam_out_indices=(0, ),
        clip_arch=dict(embed_dim=512, vision_layers=1, vision_width=64,
                       image_size=256, text_width=64, text_layers=1,
                       context_length=16),
        clip_input_size=256, fusion_heads=8, fusion_layers=6)
    cfg.neck.update(in_channels=768, width=512, num_heads=16, fpn_dim=32)
    cfg.update(mode='official', init_seed=0)
    with torch.device('meta'):
        model = MODELS.build(cfg)
    model.backbone.to_empty(device='cpu')
    model.neck.interacts.to_empty(device='cpu')
    weights = {**scfe['state_dict'], **cpfm['state_dict']}
    converted, _ = convert_official_state_dict(weights)
    # Only these two parts hold real memory; the rest stays on 'meta'.
    for prefix, part in (('backbone.', model.backbone),
                         ('neck.interacts.', model.neck.interacts)):
        result = part.load_state_dict(
            {k[len(prefix):]: v for k, v in converted.items()
             if k.startswith(prefix)}, strict=False)
        assert not result.unexpected_keys
    assert all(k.startswith(('backbone.', 'neck.interacts.0.'))
               for k in converted)
    model.eval()

    inputs, x1, x2 = scfe['inputs'], cpfm['inputs']['x1'], cpfm['inputs'][
        'x2']
    grid = (1, 768, 16, 16)
    tap0 = torch.cat([x1[:1], x2[:1]]).transpose(1, 2).reshape(2, *grid[1:])
    backbone = model.backbone
    backbone.sam_out_indices = (0, 1, 2, 3)
    backbone._sam_features = lambda x: [tap0, tap0, tap0,
                                        inputs['sam_block11']]
    backbone.clip_image_encoder.forward = lambda x: (inputs['clip_global'],
                                                     inputs['clip_local'])
    backbone.class_text_embeddings = lambda: inputs['text_embedding']
    pair = torch.zeros(1, 6, 256, 256)
    with torch.no_grad():
        dates = model.encode_dates(pair)
        out = model.neck.interacts[0](
            dates[0]['feats'][0].flatten(2).transpose(1, 2),
            dates[1]['feats'][0].flatten(2).transpose(1, 2), (16, 16))
    golden = scfe['outputs']
    for i, date in enumerate(dates):
        for ours, key in ((date['feats'][3], 'fused_sam_block11_map'),
                          (date['score_map'], 'score_map'),
                          (date['text'], 'text_refined')):
            torch.testing.assert_close(ours[0], golden[key][i], atol=2e-5,
                                       rtol=1e-5)
    torch.testing.assert_close(out[0], cpfm['outputs']['eval']['out'][0],
                               atol=1e-4, rtol=1e-5)
