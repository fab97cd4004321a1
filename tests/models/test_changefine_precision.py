"""ChangeFine speed settings: fused attention equals the eager modules,
bf16 inference and training stay close to float32 (tiny model)."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from segment_anything.modeling.image_encoder import Attention, Block
from torch import nn

from changefine_mm.models.backbones import SAMCLIPBackbone
from changefine_mm.models.backbones.clip_dense_encoder import \
    CLIPDenseEncoder
from changefine_mm.models.utils.clip_loading import CLIPArch, build_clip
from changefine_mm.models.utils.sam_loading import (SAMEncoderArch,
                                                    load_sam_image_encoder)
from changefine_mm.models.utils.sam_window_attention import pairwise_sum
from changefine_mm.models.utils.traceable_sam_block import (
    FusedAttention, RealTokenBlock, use_fused_attention)
from changefine_mm.registry import MODELS
from changefine_mm.utils.runtime import enable_amp

pytestmark = pytest.mark.usefixtures('one_torch_thread')

TINY_CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(__file__))),
                       'configs', 'changefine', 'changefine_tiny_demo.py')
# bf16 keeps 8 mantissa bits: logits of the tiny model (|logit| < 1) move
# by about 1e-2 at most.
BF16_LOGIT_ATOL = 5e-2
BF16_MIN_AGREEMENT = 0.98
METAS = [dict(img_shape=(64, 64), pad_shape=(64, 64))] * 2


@pytest.fixture(scope='module')
def tiny_cfg() -> Config:
    return Config.fromfile(TINY_CONFIG).model


def build(tiny_cfg, precision='fp32', frozen='fp32', **backbone):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.update(init_seed=0, train_cfg=dict(frozen_precision=frozen),
               test_cfg=dict(mode='whole', precision=precision))
    cfg.backbone.update(backbone)
    return MODELS.build(cfg)


def pairs(batch=2, size=64):
    gen = torch.Generator().manual_seed(0)
    return torch.rand(batch, 6, size, size, generator=gen) * 100 + 50


def test_fused_sam_attention_equals_sam_attention():
    torch.manual_seed(0)
    encoder = load_sam_image_encoder(
        None, SAMEncoderArch(img_size=64, embed_dim=32, depth=2,
                             num_heads=2, global_attn_indexes=(1, ),
                             window_size=3, out_chans=16),
        config_key='sam_checkpoint')
    for block in encoder.blocks:
        nn.init.normal_(block.attn.rel_pos_h)
        nn.init.normal_(block.attn.rel_pos_w)
    grids = ((3, 3), (4, 5), (2, 7), (4, 4))  # padded windows, resized
    inputs = [torch.randn(2, *grid, 32) for grid in grids]
    with torch.no_grad():
        expected = [[block(x) for block in encoder.blocks] for x in inputs]
        use_fused_attention(encoder.blocks)
        assert all(type(b.attn) is FusedAttention for b in encoder.blocks)
        assert all(type(b) is RealTokenBlock for b in encoder.blocks)
        for x, wanted in zip(inputs, expected):
            for block, out in zip(encoder.blocks, wanted):
                torch.testing.assert_close(block(x), out, atol=1e-5,
                                           rtol=1e-5)


@pytest.mark.parametrize('qkv_bias', [True, False])
@pytest.mark.parametrize('use_rel_pos', [True, False])
def test_real_token_windows_equal_sam_padded_windows(qkv_bias, use_rel_pos):
    """Padded tokens get the qkv bias as keys and values, not zeros."""
    torch.manual_seed(0)
    block = Block(32, 2, qkv_bias=qkv_bias, use_rel_pos=use_rel_pos,
                  window_size=4, input_size=(4, 4)).eval()
    if use_rel_pos:
        nn.init.normal_(block.attn.rel_pos_h)
        nn.init.normal_(block.attn.rel_pos_w)
    if qkv_bias:
        nn.init.normal_(block.attn.qkv.bias)
    fused = copy.deepcopy(block)
    use_fused_attention([fused])
    with torch.no_grad():
        for grid in ((4, 4), (5, 7), (3, 2), (9, 8)):
            x = torch.randn(2, *grid, 32)
            torch.testing.assert_close(fused(x), block(x), atol=1e-5,
                                       rtol=1e-5)


def test_fused_attention_refuses_other_modules():
    block = nn.Module()
    block.attn = nn.Linear(2, 2)
    with pytest.raises(TypeError, match='segment-anything Attention'):
        use_fused_attention([block])
    assert issubclass(FusedAttention, Attention)


def test_fused_clip_encoder_equals_open_clip_blocks():
    torch.manual_seed(0)
    clip = build_clip(CLIPArch(embed_dim=32, vision_layers=2,
                               vision_width=64, image_size=64,
                               text_width=32, text_layers=1,
                               context_length=8))
    eager = CLIPDenseEncoder(clip.visual, (4, 4), official=True)
    fused = copy.deepcopy(eager)
    fused.fused_attention = True
    x = torch.randn(2, 3, 64, 80)
    with torch.no_grad():
        for ours, wanted in zip(fused(x), eager(x)):
            torch.testing.assert_close(ours, wanted, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('mode', ['paper', 'official'])
def test_eager_and_fused_models_agree(tiny_cfg, mode):
    inputs = pairs()
    outs = []
    for fused in (False, True):
        cfg = copy.deepcopy(tiny_cfg)
        cfg.update(mode=mode, init_seed=0)
        cfg.backbone.update(fused_attention=fused)
        model = MODELS.build(cfg).eval()
        with torch.no_grad():
            outs.append(model(inputs, mode='tensor')['pred'])
    torch.testing.assert_close(outs[1], outs[0], atol=1e-5, rtol=1e-5)


def test_bf16_inference_is_close_to_fp32(tiny_cfg):
    inputs = pairs()
    reference = build(tiny_cfg).eval()
    model = build(tiny_cfg, precision='bf16').eval()
    assert model.backbone.image_encoder.pos_embed.dtype == torch.bfloat16
    assert model.backbone.clip_image_encoder.visual.proj.dtype == \
        torch.bfloat16
    convs = [m.weight for m in model.neck.modules()
             if isinstance(m, nn.Conv2d) and m.kernel_size != (1, 1)]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last)
                         for w in convs)
    with torch.no_grad():
        wanted = reference(inputs, mode='tensor')
        got = model(inputs, mode='tensor')
        wanted_whole = reference.encode_decode(inputs, METAS)
        got_whole = model.encode_decode(inputs, METAS)
    for key in ('pred', 'pred_aux', 'dense_embed'):
        assert got[key].dtype == torch.float32
        assert got[key].shape == wanted[key].shape
    assert got_whole.dtype == torch.float32
    assert got_whole.shape == wanted_whole.shape == (2, 2, 64, 64)
    error = (got['pred'] - wanted['pred']).abs().max().item()
    assert 0 < error < BF16_LOGIT_ATOL
    agreement = (got_whole.argmax(1) == wanted_whole.argmax(1)).float()
    assert agreement.mean() >= BF16_MIN_AGREEMENT


def test_inference_only_bf16_weights_give_the_same_outputs(tiny_cfg):
    inputs = pairs()
    reference = build(tiny_cfg, precision='bf16').eval()
    cfg = copy.deepcopy(tiny_cfg)
    cfg.update(init_seed=0, train_cfg=dict(),
               test_cfg=dict(mode='whole', precision='bf16',
                             inference_only=True))
    model = MODELS.build(cfg)
    # A float32 checkpoint loads into the bf16 weights.
    model.load_state_dict(build(tiny_cfg).state_dict())
    model.eval()
    assert model.neck.interacts[0].mlp.fc1.weight.dtype == torch.bfloat16
    assert model.decode_head.embed_text.fc1.weight.dtype == torch.bfloat16
    assert all(p.dtype == torch.float32
               for p in model.backbone.text_encoder.parameters())
    with torch.no_grad():
        wanted = reference(inputs, mode='tensor')
        got = model(inputs, mode='tensor')
    for key in ('pred', 'pred_aux', 'dense_embed'):
        assert torch.equal(got[key], wanted[key])
    with pytest.raises(RuntimeError, match='inference_only'):
        model.train()


def test_precision_settings_are_checked(tiny_cfg):
    with pytest.raises(ValueError, match='test_cfg.precision'):
        build(tiny_cfg, precision='fp16')
    with pytest.raises(ValueError, match='train_cfg.frozen_precision'):
        build(tiny_cfg, frozen='int8')
    with pytest.raises(ValueError, match='frozen_precision'):
        build(tiny_cfg, precision='bf16', frozen_precision='fp32')


def test_amp_on_cpu_trains_in_bf16(tiny_cfg, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config(dict(model=copy.deepcopy(tiny_cfg), optim_wrapper=dict(
        type='AmpOptimWrapper', loss_scale='dynamic',
        optimizer=dict(type='AdamW', lr=1e-3))))
    cfg.model.init_seed = 0
    enable_amp(cfg)
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    assert cfg.model.train_cfg.frozen_precision == 'bf16'
    model = MODELS.build(cfg.model).train()
    assert model.backbone.image_encoder.pos_embed.dtype == torch.bfloat16
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    seen = []
    model.neck.register_forward_hook(
        lambda m, args, out: seen.append(torch.is_autocast_enabled('cpu')))
    inputs = pairs()
    samples = []
    for i in range(2):
        label = torch.zeros(1, 64, 64, dtype=torch.long)
        label[:, 8:24 + 4 * i, 8:32] = 1
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(64, 64), ori_shape=(64, 64),
                                 pad_shape=(64, 64)))
        samples.append(sample)
    with wrapper.optim_context(model):
        losses = model.loss(inputs, samples)
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert seen == [True] and torch.isfinite(loss)
    wrapper.update_params(loss)
    trained = [p for p in model.parameters() if p.requires_grad]
    assert all(p.dtype == torch.float32 for p in trained)
    assert all(not p.requires_grad
               for p in model.backbone.image_encoder.parameters())


@pytest.mark.parametrize('mode', ['paper', 'official'])
def test_paper_text_prompts_stop_after_end_of_text(mode):
    """The causal text tower gives the same embeddings from the prompts cut
    after their last end-of-text token; paper mode uses the cut, official
    mode the whole context."""
    torch.manual_seed(0)
    backbone = SAMCLIPBackbone(
        ['background', 'a long class name'], mode=mode,
        sam_arch=dict(img_size=64, embed_dim=32, depth=2, num_heads=2,
                      global_attn_indexes=(1, ), window_size=3,
                      out_chans=16),
        sam_out_indices=(0, 1),
        clip_arch=dict(embed_dim=32, vision_layers=1, vision_width=64,
                       image_size=64, text_width=32, text_layers=2,
                       context_length=24))
    learner = backbone.prompt_learner
    seen = []
    backbone.text_encoder.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].shape[1]))
    with torch.no_grad():
        full = backbone.text_encoder(learner(), learner.eot_indices)
        ours = backbone.class_text_embeddings()
    assert learner.used_length == learner.eot_indices.max() + 1 < 24
    assert seen[-1] == (learner.used_length if mode == 'paper' else 24)
    torch.testing.assert_close(ours, full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_pairwise_sum_equals_the_broadcast_add(dtype):
    gen = torch.Generator().manual_seed(0)
    rel_h = torch.randn(2, 3, 5, 4, 7, generator=gen).to(dtype)
    rel_w = torch.randn(2, 3, 5, 4, 6, generator=gen).to(dtype) * 1e3
    wanted = (rel_h[..., None] + rel_w[..., None, :]).flatten(-2)
    ours = pairwise_sum(rel_h, rel_w)
    assert ours.dtype == dtype and ours.is_contiguous()
    assert torch.equal(ours, wanted)
