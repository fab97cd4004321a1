"""SAMCLIPBackbone (ChangeFine SCFE): shapes, freezing, state dicts, CoOp
prompt training and caching, official golden parity, full-size counts."""
import json

import pytest
import torch
from conftest import golden_path
from mmcv.cnn.bricks.drop import DropPath
from torch import nn

from changefine_mm.models.backbones import SAMCLIPBackbone
from changefine_mm.models.backbones.clip_dense_encoder import \
    CLIPDenseEncoder
from changefine_mm.models.backbones.sam_clip_backbone import \
    official_scfe_key
from changefine_mm.models.backbones.sam_clip_fusion import SAMCLIPFusion
from changefine_mm.models.utils.clip_loading import CLIPArch, build_clip
from changefine_mm.models.utils.sam_loading import (SAMEncoderArch,
                                                    build_sam_image_encoder)

CLASSES = ['background', 'Buildings']
SAM_ARCH = dict(img_size=128, embed_dim=64, depth=4, num_heads=2,
                global_attn_indexes=(1, 3), window_size=4, out_chans=32)
CLIP_ARCH = dict(embed_dim=64, vision_layers=2, vision_width=64,
                 vision_patch_size=16, image_size=64, context_length=32,
                 text_width=64, text_layers=2)


@pytest.fixture(scope='module')
def weight_files(tmp_path_factory):
    """Tiny SAM (Meta layout) and CLIP (OpenAI layout) checkpoint files."""
    root = tmp_path_factory.mktemp('weights')
    torch.manual_seed(0)
    sam = build_sam_image_encoder(SAMEncoderArch(**SAM_ARCH))
    sam_sd = {f'image_encoder.{k}': v for k, v in sam.state_dict().items()}
    sam_sd['mask_decoder.iou_token.weight'] = torch.zeros(1, 256)
    torch.save(sam_sd, root / 'sam.pth')
    torch.save(build_clip(CLIPArch(**CLIP_ARCH)).state_dict(),
               root / 'clip.pt')
    return str(root / 'sam.pth'), str(root / 'clip.pt')


def tiny(mode: str, weight_files=None, **kwargs) -> SAMCLIPBackbone:
    sam, clip = weight_files or (None, None)
    kwargs.setdefault('sam_out_indices', (0, 1, 2, 3))
    return SAMCLIPBackbone(
        CLASSES, mode=mode, sam_checkpoint=sam, clip_checkpoint=clip,
        sam_arch=SAM_ARCH, clip_arch=CLIP_ARCH, clip_input_size=128,
        **kwargs)


def _text_calls(model: SAMCLIPBackbone) -> list:
    calls = []
    model.text_encoder.register_forward_hook(lambda *args: calls.append(1))
    return calls


@pytest.mark.parametrize('size', [(256, 256), (512, 512), (160, 96)])
def test_output_shapes(size):
    torch.manual_seed(0)
    model = tiny('official').eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, *size))
    grid = (size[0] // 16, size[1] // 16)
    assert [f.shape for f in out['feats']] == [(2, 64, *grid)] * 4
    assert out['score_map'].shape == (2, grid[0] * grid[1], 2)
    assert out['text'].shape == (2, 2, 64)


def test_input_checks():
    model = tiny('paper')
    with pytest.raises(ValueError, match='multiple of the patch size'):
        model(torch.randn(1, 3, 120, 128))
    with pytest.raises(ValueError, match='mode must be'):
        tiny('fixed')
    with pytest.raises(ValueError, match='sam_out_indices'):
        tiny('paper', sam_out_indices=(1, 4))


def test_resnet_clip_is_refused():
    arch = dict(CLIP_ARCH, vision_layers=(1, 1, 1, 1), vision_width=8,
                vision_patch_size=None)
    with pytest.raises(ValueError, match='needs a CLIP ViT'):
        SAMCLIPBackbone(CLASSES, sam_arch=SAM_ARCH,
                        sam_out_indices=(0, 1, 2, 3), clip_arch=arch)


def test_sam_taps_match_segment_anything_forward(weight_files):
    model = tiny('paper', weight_files).eval()
    taps, fusion_input = [], []
    for block in model.image_encoder.blocks:
        block.register_forward_hook(lambda m, a, out: taps.append(out))
    model.fusion.register_forward_pre_hook(
        lambda m, args: fusion_input.append(args[0]))
    image = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        feats = model(image)['feats']
        taps.clear()
        model.image_encoder(image)  # SAM's own forward, native size
    assert len(taps) == 4
    for ours, ref in zip(feats[:3] + fusion_input, taps):
        torch.testing.assert_close(ours, ref.permute(0, 3, 1, 2))


def test_clip_dense_encoder_matches_open_clip():
    torch.manual_seed(0)
    clip = build_clip(CLIPArch(**CLIP_ARCH))
    paper = CLIPDenseEncoder(clip.visual, (4, 4), official=False)
    image = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        global_embed, local = paper(image)
        torch.testing.assert_close(global_embed, clip.visual(image))
        official = CLIPDenseEncoder(clip.visual, (4, 4), official=True)
        for adapter in official.adapters:
            torch.nn.init.zeros_(adapter.up_project.weight)
        assert not torch.allclose(official(image)[0], global_embed)
        clip.visual.class_embedding.zero_()
        torch.testing.assert_close(official(image)[1], paper(image)[1])
    assert local.shape == (2, 64, 4, 4)


@pytest.mark.parametrize('mode', ['paper', 'official'])
def test_frozen_parts_and_state_dict(weight_files, mode):
    torch.manual_seed(1)
    model = tiny(mode, weight_files).train()
    out = model(torch.randn(2, 3, 128, 128))
    (out['feats'][-1].mean() + out['score_map'].mean() +
     out['text'].mean()).backward()
    for name in ('image_encoder', 'clip_image_encoder', 'text_encoder'):
        module = getattr(model, name)
        assert not module.training
        assert all(p.grad is None and not p.requires_grad
                   for p in module.parameters())
    assert all(p.grad is not None for p in model.fusion.parameters())
    ctx = model.prompt_learner.ctx
    assert (ctx.grad is not None) == (mode == 'paper')
    if mode == 'paper':
        assert ctx.grad.abs().sum() > 0

    state = model.state_dict()
    prefixes = {'fusion', 'prompt_learner'}
    if mode == 'official':
        prefixes.add('clip_image_encoder')
        assert all(k.startswith('clip_image_encoder.adapters.')
                   for k in state if k.startswith('clip_image_encoder'))
    assert {k.split('.')[0] for k in state} == prefixes
    assert 'prompt_learner.ctx' in state

    torch.manual_seed(2)
    other = tiny(mode, weight_files).eval()
    other.load_state_dict(state, strict=True)
    model.eval()
    image = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        expected, got = model(image), other(image)
    for key in ('score_map', 'text'):
        torch.testing.assert_close(got[key], expected[key])
    torch.testing.assert_close(got['feats'][-1], expected['feats'][-1])


def test_strict_loading_still_checks_trainable_keys(weight_files):
    model = tiny('paper', weight_files)
    state = model.state_dict()
    del state['fusion.gamma']
    with pytest.raises(RuntimeError, match='fusion.gamma'):
        model.load_state_dict(state, strict=True)


def test_official_text_is_computed_once_and_refreshed_on_load():
    model = tiny('official').train()
    calls = _text_calls(model)
    images = torch.randn(1, 3, 128, 128)
    first = model(images)['text']
    model(images)
    model.eval()
    with torch.no_grad():
        model(images)
    assert len(calls) == 1
    state = model.state_dict()
    state['prompt_learner.ctx'] = torch.randn_like(state['prompt_learner.ctx'])
    model.load_state_dict(state)
    with torch.no_grad():
        second = model(images)['text']
    assert len(calls) == 2
    assert not torch.allclose(first, second)


def test_text_cached_in_inference_mode_is_not_reused_for_training():
    model = tiny('official').eval()
    with torch.inference_mode():
        model.class_text_embeddings()
    model.train()
    out = model(torch.randn(1, 3, 128, 128))
    out['text'].sum().backward()
    assert model.fusion.gamma.grad is not None


def test_paper_text_cached_without_grad_only():
    model = tiny('paper').eval()
    calls = _text_calls(model)
    with torch.no_grad():
        model.class_text_embeddings()
        model.class_text_embeddings()
    assert len(calls) == 1
    first = model.class_text_embeddings()
    second = model.class_text_embeddings()
    assert len(calls) == 3 and first.requires_grad
    torch.testing.assert_close(first, second)


def _assert_golden(actual: torch.Tensor, expected: torch.Tensor) -> None:
    torch.testing.assert_close(actual, expected, atol=2e-5, rtol=1e-5)


def test_fusion_matches_official_golden():
    golden = torch.load(golden_path('changefine', 'scfe_fusion_golden.pt'),
                        weights_only=True)
    inputs, outputs = golden['inputs'], golden['outputs']
    fusion = SAMCLIPFusion(768, 512, num_classes=2, mode='official').eval()
    fusion.load_state_dict(golden['state_dict'], strict=True)
    seen = {}

    def keep(name):
        return lambda module, args, out: seen.__setitem__(name, out)

    fusion.norm_sam.register_forward_hook(keep('norm_sam_out'))
    fusion.context_visual_attn.register_forward_hook(keep('text_diff'))
    ctx = fusion.context_visual_attn
    ctx.proj_m1.register_forward_hook(keep('ctx_proj_text'))
    ctx.proj_m2.register_forward_hook(keep('ctx_proj_visual'))
    ctx.decoder[0].register_forward_hook(keep('ctx_layer0_out'))
    xcs = fusion.cross_clip_sam
    xcs.register_forward_hook(keep('fused_tokens'))
    xcs.proj_visual.register_forward_hook(keep('xcs_proj_sam'))
    xcs.proj_clip.register_forward_hook(keep('xcs_proj_clip'))
    for i, layer in enumerate(xcs.decoder):
        layer.register_forward_hook(keep(f'xcs_layer{i}_out'))
    fusion.embed_img_t.register_forward_hook(keep('embed_img_t_out'))
    with torch.no_grad():
        fused, score_map, text = fusion(inputs['sam_block11'],
                                        inputs['clip_global'],
                                        inputs['clip_local'],
                                        inputs['text_embedding'])
    _assert_golden(fused, outputs['fused_sam_block11_map'])
    _assert_golden(score_map, outputs['score_map'])
    _assert_golden(text, outputs['text_refined'])
    for name in ('norm_sam_out', 'text_diff', 'ctx_proj_text',
                 'ctx_layer0_out', 'fused_tokens', 'embed_img_t_out'):
        _assert_golden(seen[name], outputs[name])
    for name in ['ctx_proj_visual', 'xcs_proj_sam', 'xcs_proj_clip'] + [
            f'xcs_layer{i}_out' for i in range(6)]:
        _assert_golden(seen[name][..., ::8], outputs[f'{name}__ch8'])


@pytest.mark.parametrize('mode,regulariser',
                         [('paper', nn.Dropout), ('official', DropPath)])
def test_embed_drop_is_separate_from_the_decoder_dropout(mode, regulariser):
    fusion = SAMCLIPFusion(64, 32, num_classes=2, num_heads=2, num_layers=1,
                           drop=0.1, embed_drop=0.2, mode=mode)
    embed_rates = {m.p if isinstance(m, nn.Dropout) else m.drop_prob
                   for m in fusion.embed_img_t.modules()
                   if isinstance(m, regulariser)}
    decoder_rates = {m.p for m in fusion.cross_clip_sam.modules()
                     if isinstance(m, nn.Dropout)}
    decoder_rates |= {m.p for m in fusion.context_visual_attn.modules()
                      if isinstance(m, nn.Dropout)}
    assert embed_rates == {0.2} and decoder_rates == {0.1}


def _param_count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope='module')
def full_official():
    with torch.device('meta'):
        return SAMCLIPBackbone(CLASSES, mode='official')


def test_full_size_parameter_counts(full_official):
    with open(golden_path('changefine', 'param_counts.json')) as f:
        counts = json.load(f)
    top, sub = counts['top_level'], counts['sub_modules']
    model = full_official
    assert _param_count(model.image_encoder) == top['image_encoder']['total']
    assert _param_count(model.clip_image_encoder) == \
        top['clip_image_encoder']['total']
    assert _param_count(model.clip_image_encoder.adapters) == \
        sub['clip_image_encoder.adapters']['total']
    assert _param_count(model.text_encoder) == top['text_encoder']['total']
    assert _param_count(model.prompt_learner) == \
        top['prompt_learner']['total']
    for name in ('norm_sam', 'context_visual_attn', 'cross_clip_sam',
                 'embed_img_t'):
        assert _param_count(getattr(model.fusion, name)) == \
            top[name]['total'], name
    assert model.fusion.gamma.numel() == top['gamma']['total']
    with torch.device('meta'):
        paper = SAMCLIPBackbone(CLASSES, mode='paper')
    assert _param_count(paper.clip_image_encoder) == (
        top['clip_image_encoder']['total'] -
        sub['clip_image_encoder.adapters']['total'])


def test_official_key_names_map_onto_the_backbone(full_official):
    golden = torch.load(golden_path('changefine', 'scfe_fusion_golden.pt'),
                        weights_only=True)
    ours = full_official.state_dict()
    for key, value in golden['state_dict'].items():
        assert ours[official_scfe_key(key)].shape == value.shape, key
    assert official_scfe_key('prompt_learner.ctx') in ours
    assert official_scfe_key(
        'clip_image_encoder.adapters.11.up_project.weight') in ours
    assert official_scfe_key('prompt_learner.token_prefix') is None
    assert official_scfe_key('interacts.0.moe.gate.0.weight') is None
