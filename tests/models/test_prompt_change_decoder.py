"""PromptChangeDecoder: golden parity with the official ChangeFine code
(official mode: train path, DropPath path, 5-pass eval path with the skip
branch), the paper mode, the mmseg interface, key mapping and parameter
counts.

Golden: ../shared/golden/changefine/pcd_golden.pt (README section 1).
"""
from typing import Dict, List

import pytest
import torch
import torch.nn.functional as F
from conftest import golden_path
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.models.decode_heads.prompt_change_decoder import (
    PromptChangeDecoder, official_to_ours, text_difference)
from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file

ATOL = 2e-5
TINY = dict(
    in_channels=32,
    channels=32,
    text_dim=16,
    text_hidden_dim=32,
    decoder_num_heads=2,
    decoder_mlp_dim=64,
    loss_decode=dict(
        type='ChangeFineLoss',
        contrast=dict(
            type='HardSampleContrastLoss', embed_dim=32, queue_size=64,
            per_class=8, max_samples=64, max_views=4)))


def close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    torch.testing.assert_close(
        actual.float(), expected.float(), atol=ATOL, rtol=1e-5)


@pytest.fixture(scope='module')
def golden() -> dict:
    return load_checkpoint_file(golden_path('changefine', 'pcd_golden.pt'))


@pytest.fixture(scope='module')
def official_head(golden) -> PromptChangeDecoder:
    head = MODELS.build(dict(type='PromptChangeDecoder', mode='official'))
    weights = {k: v.clone() for k, v in golden['state_dict'].items()}
    missing, unexpected = head.load_state_dict(weights, strict=False)
    assert unexpected == []
    assert all(k.startswith('loss_decode.') for k in missing)
    return head


def golden_inputs(golden: dict) -> Dict[str, torch.Tensor]:
    inputs = golden['inputs']
    return dict(dense_embed=inputs['dense_embed'],
                text_from=inputs['t1_embedding'],
                text_to=inputs['t2_embedding'])


def spy_passes(head, monkeypatch) -> List[dict]:
    """Record the prompt and the fine output of every decoding pass."""
    calls = []
    decode_pass = head.decode_pass

    def spy(dense_embed, image_pe, sparse, prompt):
        fine = decode_pass(dense_embed, image_pe, sparse, prompt)
        calls.append(dict(prompt=prompt, fine=fine))
        return fine

    monkeypatch.setattr(head, 'decode_pass', spy)
    return calls


def capture(module: torch.nn.Module, store: dict, name: str):
    """Forward hook storing (inputs, output) of ``module`` under ``name``."""

    def hook(_, args, output):
        store[name] = (args, output)

    return module.register_forward_hook(hook)


def test_golden_train_path(official_head, golden, monkeypatch):
    head = official_head.train()
    head.embed_text.eval()  # the golden train path has DropPath off
    ref = golden['outputs']['train']
    ref_call = ref['decoder_call']
    inputs = golden_inputs(golden)
    calls = spy_passes(head, monkeypatch)
    seen = {}
    decoder = head.decoder
    hooks = [
        capture(decoder.norm_t, seen, 'norm_t'),
        capture(decoder.dense_conv, seen, 'dense_conv'),
        capture(decoder.transformer, seen, 'transformer'),
        capture(decoder.output_upscaling, seen, 'upscaling'),
        capture(decoder.conv_out, seen, 'conv_out'),
    ]
    try:
        with torch.no_grad():
            out = head(inputs)
            sim, weights, diff = text_difference(inputs['text_from'],
                                                 inputs['text_to'])
            sparse = head.embed_text(diff)
            pe = head.pe_encoder((64, 64))
    finally:
        for hook in hooks:
            hook.remove()

    close(out['pred'], ref['pred'])
    close(out['pred_aux'], ref['pred_aux'])
    assert out['dense_embed'] is inputs['dense_embed']
    close(sim, ref['sim_S'])
    close(weights, ref['attn_A'])
    close(diff, ref['t_diff_sum'])
    close(sparse, ref['sparse_prompt'])
    close(torch.cat([pe[:32], pe[256:288]]),
          ref['dense_pe__ch0_32_and_256_288'])

    # One pass; its prompt is the coarse logits, its mask their argmax.
    assert len(calls) == 1
    close(calls[0]['prompt'], ref_call['in_dense_prompt'])
    mask = calls[0]['prompt'].argmax(1, keepdim=True)
    assert torch.equal(mask.to(torch.uint8), ref['binary_mask'])
    assert mask.flatten(1).any(1).tolist() == ref['change_mask'].tolist()
    close(calls[0]['fine'], ref['decoder_out_fine'])
    # Skip branch: item 1 has no changed pixel, its fine output and pred
    # are the upsampled coarse logits.
    up = F.interpolate(out['pred_aux'], size=(256, 256), mode='bilinear',
                       align_corners=False)
    assert ref['change_mask'].tolist() == [True, False]
    close(calls[0]['fine'][1], up[1])
    close(out['pred'][1], up[1])

    # Decoder internals; only item 0 goes through the decoder.
    close(seen['norm_t'][1], ref_call['norm_t'][:1])
    dense = seen['dense_conv'][1]
    close(dense[:, ::16], ref_call['dense_conv__ch16'])
    mask0 = seen['dense_conv'][0][0][0, 0] == 0
    close(dense[0][:, mask0][:, 0], ref_call['dense_conv_value_mask0'])
    close(dense[0][:, ~mask0][:, 0], ref_call['dense_conv_value_mask1'])
    hs, src = seen['transformer'][1]
    close(hs, ref_call['transformer_hs'])
    close(src[..., ::16], ref_call['transformer_src__ch16'])
    close(seen['upscaling'][1][:, ::8], ref_call['output_upscaling__ch8'])
    with torch.no_grad():
        slot0 = decoder.output_hypernetworks_mlps[0](hs[:, 1])
        close(torch.cat([slot0[:, None], decoder._hyper_in(hs)], 1),
              ref_call['hyper_in'])
        close(decoder.iou_prediction_head(hs[:, 0]), ref_call['iou_pred_all'])
    close(seen['conv_out'][0][0], ref_call['conv_out_in'])
    close(seen['conv_out'][1], ref_call['conv_out_out'])


def test_golden_train_droppath(official_head, golden):
    head = official_head.train()
    ref = golden['outputs']['train_droppath']
    seen = {}
    hook = capture(head.embed_text, seen, 'sparse')
    try:
        torch.manual_seed(golden['meta']['droppath_seed'])
        with torch.no_grad():
            out = head(golden_inputs(golden))
    finally:
        hook.remove()
    assert ref['droppath_keep_masks'].tolist() == [[0, 1], [1, 1]]
    close(seen['sparse'][1], ref['sparse_prompt'])
    # Item 0's hidden activation was dropped: fc2.bias / keep_prob.
    close(seen['sparse'][1][0, 0], head.embed_text.fc2.bias / 0.9)
    close(out['pred'], ref['pred'])


def test_golden_eval_five_passes(official_head, golden, monkeypatch):
    head = official_head.eval()
    ref = golden['outputs']['eval']
    calls = spy_passes(head, monkeypatch)
    seen = {}
    hook = capture(head.embed_text, seen, 'sparse')
    try:
        with torch.no_grad():
            out = head(golden_inputs(golden))
    finally:
        hook.remove()
    close(out['pred'], ref['pred'])
    close(out['pred_aux'], ref['pred_aux'])
    close(seen['sparse'][1], ref['sparse_prompt'])
    assert len(calls) == len(ref['iterations']) == 5
    for call, ref_iter in zip(calls, ref['iterations']):
        close(call['prompt'], ref_iter['in_dense_prompt_64'])
        mask = call['prompt'].argmax(1, keepdim=True)
        assert torch.equal(mask.to(torch.uint8), ref_iter['binary_mask'])
        assert mask.flatten(1).any(1).tolist() == \
            ref_iter['change_mask'].tolist() == [True, False]
        close(call['fine'], ref_iter['decoder_out'])
    # The eval result differs from the single training pass.
    assert (out['pred'] - golden['outputs']['train']['pred']).abs().max() \
        > 0.1


def test_golden_keys_map_prefix_only(official_head, golden):
    ours = set(official_head.state_dict())
    for key in golden['state_dict']:
        assert official_to_ours(key) == key
        assert key in ours
    assert official_to_ours('mem_queue') in ours
    assert official_to_ours('mem_queue_ptr') in ours
    assert ours - set(golden['state_dict']) == {
        'loss_decode.contrast.mem_queue',
        'loss_decode.contrast.mem_queue_ptr'
    }


def test_official_to_ours_paper_and_foreign_keys():
    assert official_to_ours('decoder.iou_prediction_head.layers.0.weight',
                            mode='paper') is None
    assert official_to_ours(
        'decoder.output_hypernetworks_mlps.0.layers.0.weight',
        mode='paper') is None
    key = 'decoder.output_hypernetworks_mlps.1.layers.0.weight'
    assert official_to_ours(key, mode='paper') == key
    assert official_to_ours('alpha', mode='paper') == 'alpha'
    with pytest.raises(ValueError, match='not part of the prompt change'):
        official_to_ours('neck.fpn_in.0.0.weight')
    with pytest.raises(ValueError, match='mode must be'):
        official_to_ours('alpha', mode='fixed')


@pytest.mark.parametrize('mode', ['official', 'paper'])
def test_parameter_counts_on_meta(mode):
    with torch.device('meta'):
        head = PromptChangeDecoder(mode=mode)

    def count(module, trainable=False):
        return sum(p.numel() for p in module.parameters()
                   if p.requires_grad or not trainable)

    unused = 197_891 + 558_144  # IoU head + slot-0 hypernetwork
    decoder = 9_011_339 if mode == 'official' else 9_011_339 - unused
    assert count(head.decoder) == decoder
    assert count(head.decoder, trainable=True) == 9_011_339 - unused
    assert count(head.embed_text) == 1_050_112
    assert count(head.aux_head) == 1_026
    assert head.alpha.numel() == 1
    assert count(head) == decoder + 1_050_112 + 1_026 + 1
    assert hasattr(head.decoder, 'iou_prediction_head') == \
        (mode == 'official')
    assert head.pe_encoder.positional_encoding_gaussian_matrix.shape == \
        (2, 256)
    assert head.loss_decode.contrast.mem_queue.shape == (2, 5000, 512)


def tiny_inputs(batch=2, size=8, num_tokens=3, seed=0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    return dict(
        dense_embed=torch.randn(batch, 32, size, size, generator=gen),
        text_from=torch.randn(batch, num_tokens, 16, generator=gen),
        text_to=torch.randn(batch, num_tokens, 16, generator=gen))


def tiny_head(mode: str, **kwargs) -> PromptChangeDecoder:
    torch.manual_seed(0)
    cfg = dict(TINY, type='PromptChangeDecoder', mode=mode, **kwargs)
    cfg['loss_decode'] = dict(cfg['loss_decode'], mode=mode)
    return MODELS.build(cfg)


def make_unchanged(head: PromptChangeDecoder, item: int,
                   inputs: dict) -> None:
    """Make the coarse prediction of ``item`` all unchanged."""
    with torch.no_grad():
        head.aux_head[0].bias.copy_(torch.tensor([0., -50.]))
        head.aux_head[0].weight.zero_()
        head.aux_head[0].weight[1, 0] = 100.
        inputs['dense_embed'][:, 0] = 1.
        inputs['dense_embed'][item, 0] = 0.


def test_paper_mode_same_decoding_in_train_and_eval():
    head = tiny_head('paper', train_passes=2, test_passes=2)
    inputs = tiny_inputs()
    head.train()
    head.embed_text.eval()
    with torch.no_grad():
        train_pred = head(inputs)['pred']
        head.eval()
        eval_pred = head(inputs)['pred']
    assert train_pred.shape == (2, 2, 32, 32)
    torch.testing.assert_close(train_pred, eval_pred)


def test_official_mode_passes_differ_between_train_and_eval(monkeypatch):
    head = tiny_head('official')
    assert (head.train_passes, head.test_passes) == (1, 5)
    calls = spy_passes(head, monkeypatch)
    with torch.no_grad():
        head.train()(tiny_inputs())
        head.eval()(tiny_inputs())
    assert len(calls) == 6


@pytest.mark.parametrize('mode', ['official', 'paper'])
def test_empty_coarse_mask_skips_only_in_official_mode(mode):
    head = tiny_head(mode).eval()
    inputs = tiny_inputs()
    make_unchanged(head, 1, inputs)
    with torch.no_grad():
        out = head(inputs)
    coarse = out['pred_aux']
    assert coarse[1].argmax(0).eq(0).all() and coarse[0].argmax(0).all()
    up = F.interpolate(coarse, scale_factor=4, mode='bilinear',
                       align_corners=False)
    skipped = torch.allclose(out['pred'][1], up[1])
    assert skipped == (mode == 'official')
    assert not torch.allclose(out['pred'][0], up[0])


def test_paper_mode_rejects_different_pass_counts():
    with pytest.raises(ValueError, match='identically'):
        tiny_head('paper', train_passes=1, test_passes=5)
    with pytest.raises(ValueError, match='>= 1'):
        tiny_head('official', test_passes=0)


def test_constructor_and_input_errors():
    with pytest.raises(ValueError, match='mode must be'):
        tiny_head('fixed')
    with pytest.raises(ValueError, match='num_classes=2'):
        tiny_head('paper', num_classes=3)
    with pytest.raises(ValueError, match='must equal in_channels'):
        tiny_head('paper', channels=16)
    head = tiny_head('paper')
    inputs = tiny_inputs()
    with pytest.raises(KeyError, match='text_to'):
        head(dict(dense_embed=inputs['dense_embed'],
                  text_from=inputs['text_from']))
    with pytest.raises(ValueError, match=r'\(B, K, C\)'):
        head(dict(inputs, text_to=inputs['text_to'][:, :2]))
    with pytest.raises(ValueError, match='batch of text'):
        head(dict(inputs, text_from=inputs['text_from'][:1],
                  text_to=inputs['text_to'][:1]))


def data_samples(batch=2, size=32, seed=0) -> List[SegDataSample]:
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch):
        label = (torch.rand(1, size, size, generator=gen) > 0.6).long()
        label[0, :4] = 255
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label)
        sample.set_metainfo(dict(img_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample)
    return samples


@pytest.mark.parametrize('mode', ['official', 'paper'])
def test_loss_and_gradients(mode):
    head = tiny_head(mode).train()
    inputs = tiny_inputs()
    inputs['dense_embed'].requires_grad_()
    losses = head.loss(inputs, data_samples(), train_cfg=None)
    assert set(losses) == {
        'loss_fine_focal', 'loss_fine_dice', 'loss_coarse_focal',
        'loss_coarse_dice', 'loss_contrast', 'acc_seg'
    }
    total = sum(v for k, v in losses.items() if k.startswith('loss_'))
    assert torch.isfinite(total)
    total.backward()
    assert inputs['dense_embed'].grad.abs().sum() > 0
    for name in ('alpha', 'aux_head.0.weight', 'embed_text.fc1.weight',
                 'decoder.conv_out.weight', 'decoder.mask_weight',
                 'decoder.transformer.layers.0.self_attn.q_proj.weight'):
        grad = head.get_parameter(name).grad
        assert grad is not None and grad.abs().sum() > 0, name
    if mode == 'official':
        frozen = head.decoder.iou_prediction_head.layers[0].weight
        assert not frozen.requires_grad and frozen.grad is None


def test_predict_returns_logits_at_pad_shape():
    head = tiny_head('paper').eval()
    metas = [dict(img_shape=(30, 30), pad_shape=(32, 32))] * 2
    with torch.no_grad():
        logits = head.predict(tiny_inputs(), metas, test_cfg=None)
    assert logits.shape == (2, 2, 32, 32)
