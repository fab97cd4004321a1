"""ChangeCLIP modules and detector: shapes, CLIP weights, prompts, training."""
import copy

import pytest
import torch
from changeclip_tiny import one_thread  # noqa: F401 (autouse fixture)
from changeclip_tiny import (TINY_RN_ARCH, TINY_VIT_ARCH, samples,
                             tiny_clip_file, tiny_config)
from open_clip.modified_resnet import ModifiedResNet
from open_clip.transformer import QuickGELU, TextTransformer

from changefine_mm.models.backbones import (CLIPTextContextEncoder,
                                            ContextDecoder)
from changefine_mm.models.decode_heads import TextConditionedDecodeHead
from changefine_mm.models.utils.clip_tower_loading import read_clip_tower
from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file
from projects.changeclip.changeclip import (CLIPResNetWithAttention,
                                            CLIPVisionTransformer)

NAMES_A = [['building', 'road', 'tree'], ['farmland', 'river', 'pond']]
NAMES_B = [['parking lot', 'square', 'cars'], ['bare land', 'desert',
                                               'mine']]


@pytest.fixture(scope='module')
def rn_clip_file(tmp_path_factory):
    return tiny_clip_file(tmp_path_factory, TINY_RN_ARCH)


@pytest.fixture(scope='module')
def vit_clip_file(tmp_path_factory):
    return tiny_clip_file(tmp_path_factory, TINY_VIT_ARCH)


def build(cfg: dict, **changes) -> torch.nn.Module:
    cfg = copy.deepcopy(cfg)
    cfg.update(changes)
    return MODELS.build(cfg)


def r50_model_cfg() -> dict:
    return tiny_config('changeclip_r50_256x256_20k_whucd.py').model.to_dict()


def test_resnet_global_embedding_is_clips_attention_pool(rn_clip_file):
    backbone = CLIPResNetWithAttention(
        layers=[1, 1, 1, 1], width=8, output_dim=16, input_resolution=64,
        clip_checkpoint=rn_clip_file).eval()
    backbone.init_weights()
    reference = ModifiedResNet([1, 1, 1, 1], 16, 4, 64, 8).eval()
    reference.load_state_dict(read_clip_tower(rn_clip_file, 'visual'))
    x = torch.randn(2, 3, 64, 64)
    outs = backbone(x)
    assert [o.shape[1:] for o in outs[:4]] == [(32, 16, 16), (64, 8, 8),
                                              (128, 4, 4), (256, 2, 2)]
    global_feat, dense = outs[4]
    assert dense.shape == (2, 16, 2, 2)
    # The mean token of the dense pool is exactly CLIP's pooled embedding.
    torch.testing.assert_close(global_feat, reference(x), atol=1e-5,
                               rtol=1e-4)
    # Any input size: the pool's positions are resized.
    assert backbone(torch.randn(1, 3, 96, 96))[4][1].shape == (1, 16, 3, 3)


def test_resnet_loading_resizes_pool_and_rejects_other_dims(
        rn_clip_file):
    backbone = CLIPResNetWithAttention(
        layers=[1, 1, 1, 1], width=8, output_dim=16, input_resolution=128,
        clip_checkpoint=rn_clip_file)
    backbone.init_weights()
    weights = read_clip_tower(rn_clip_file, 'visual')
    torch.testing.assert_close(backbone.layer3[0].conv2.weight,
                               weights['layer3.0.conv2.weight'])
    assert backbone.attnpool.positional_embedding.shape == (17, 256)
    wrong = CLIPResNetWithAttention(
        layers=[1, 1, 1, 1], width=16, output_dim=16,
        clip_checkpoint=rn_clip_file)
    with pytest.raises(ValueError, match='shape mismatches .*conv1.weight'):
        wrong.init_weights()


def test_vit_outputs_and_loading(vit_clip_file):
    backbone = CLIPVisionTransformer(
        input_resolution=64, patch_size=16, width=64, layers=4, heads=1,
        output_dim=16, out_indices=[0, 1, 2, 3], clip_checkpoint=vit_clip_file)
    backbone.init_weights()
    weights = read_clip_tower(vit_clip_file, 'visual')
    torch.testing.assert_close(backbone.proj, weights['proj'])
    # The 2x2 grid of the 32-pixel checkpoint is resized to 4x4.
    assert backbone.positional_embedding.shape == (17, 64)
    outs = backbone(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape[2:]) for o in outs[:4]] == [(16, 16), (8, 8),
                                                     (4, 4), (2, 2)]
    assert outs[4][0].shape == (2, 16) and outs[4][1].shape == (2, 16, 4, 4)
    with pytest.raises(ValueError, match='out_indices'):
        CLIPVisionTransformer(layers=4, out_indices=[3, 5, 7, 11])


def test_text_encoder_is_clips_without_context_and_loads(vit_clip_file):
    plain = CLIPTextContextEncoder(
        context_length=77, token_length=77, transformer_width=64,
        transformer_heads=1, transformer_layers=1, embed_dim=16,
        clip_checkpoint=vit_clip_file).eval()
    plain.init_weights()
    reference = TextTransformer(context_length=77, width=64, heads=1,
                                layers=1, output_dim=16,
                                act_layer=QuickGELU).eval()
    reference.load_state_dict(read_clip_tower(vit_clip_file, 'text'))
    tokens = torch.randint(1, 1000, (2, 3, 77))
    tokens[..., 9] = 49407  # end of text
    tokens[..., 10:] = 0
    torch.testing.assert_close(plain(tokens),
                               reference(tokens.flatten(0, 1)).view(2, 3, 16))
    prompted = CLIPTextContextEncoder(
        context_length=40, token_length=32, transformer_width=64,
        transformer_heads=1, transformer_layers=1, embed_dim=16,
        clip_checkpoint=vit_clip_file)
    prompted.init_weights()
    assert prompted.contexts.shape == (1, 1, 8, 64)
    assert prompted(tokens[..., :32]).shape == (2, 3, 16)
    with pytest.raises(ValueError, match='prompts of 32 tokens'):
        prompted(tokens)


def test_context_decoder_and_head_shapes():
    decoder = ContextDecoder(transformer_width=16, transformer_heads=2,
                             transformer_layers=2, visual_dim=24)
    assert decoder(torch.randn(2, 2, 24), torch.randn(2, 17, 24)).shape == \
        (2, 2, 24)
    block = dict(type='SwinBlock', num_heads=2, feedforward_channels=32)
    head = TextConditionedDecodeHead(
        stage_blocks=[[block]] * 3, text_dim=24, norm_groups=4,
        in_channels=[16] * 4, in_index=[0, 1, 2, 3], channels=16,
        num_classes=2)
    feats = [torch.randn(2, 16, s, s) for s in (16, 8, 4, 2)]
    text = torch.randn(2, 2, 24)
    assert head((feats, text, text)).shape == (2, 2, 16, 16)
    with pytest.raises(ValueError, match='4 inputs need 3 stages'):
        TextConditionedDecodeHead(
            stage_blocks=[[block]] * 2, in_channels=[16] * 4,
            in_index=[0, 1, 2, 3], channels=16, num_classes=2)


@pytest.mark.parametrize('tiny', ['changeclip_r50_256x256_20k_whucd.py',
                                  'changeclip_vit-b16_256x256_20k_whucd.py'])
def test_detector_loss_and_prediction_shapes(tiny):
    model = MODELS.build(tiny_config(tiny).model)
    data = model.data_preprocessor(samples(NAMES_A, NAMES_B), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    model.eval()
    with torch.no_grad():
        results = model.test_step(samples(NAMES_A, NAMES_B))
        logits = model(**model.data_preprocessor(samples(NAMES_A, NAMES_B)),
                       mode='tensor')
    assert results[0].seg_logits.data.shape == (2, 64, 64)
    assert results[1].pred_sem_seg.data.shape == (1, 64, 64)
    assert logits.shape == (2, 2, 16, 16)


def _prompted_tokens(model, data, mode):
    """Tokens the text encoder sees for date A and date B."""
    seen = []
    hook = model.text_encoder.register_forward_hook(
        lambda module, args, out: seen.append(args[0].clone()))
    model(**data, mode=mode)
    hook.remove()
    return seen


def test_official_mode_prompts_date_b_with_date_a_classes():
    cfg = r50_model_cfg()
    fixed = build(cfg).eval()
    official = build(cfg, mode='official').eval()
    official.load_state_dict(fixed.state_dict())
    data = fixed.data_preprocessor(samples(NAMES_A, NAMES_B))
    with torch.no_grad():
        tokens_a, tokens_b = _prompted_tokens(fixed, data, 'predict')
        off_a, off_b = _prompted_tokens(official, data, 'predict')
        pred_fixed = fixed(**data, mode='tensor')
        pred_official = official(**data, mode='tensor')
    assert not torch.equal(tokens_a, tokens_b)
    torch.testing.assert_close(off_a, tokens_a)
    torch.testing.assert_close(off_b, tokens_a)  # the published bug
    assert not torch.allclose(pred_fixed, pred_official)
    # Training prompts each date with its own classes in both modes.
    train = fixed.data_preprocessor(samples(NAMES_A, NAMES_B), True)
    official.train()
    train_a, train_b = _prompted_tokens(official, train, 'loss')
    torch.testing.assert_close(train_b, tokens_b)
    expected = fixed.prompt_texts(NAMES_B[0])
    assert expected == ['remote sensing image background objects',
                        'remote sensing image foreground objects, parking '
                        'lot, square, cars']


def test_missing_prompt_classes_is_a_clear_error():
    model = build(r50_model_cfg())
    data = samples(NAMES_A, NAMES_B)
    for sample in data['data_samples']:
        del sample.prompt_classes
    with pytest.raises(KeyError, match='CLIPPromptDataset'):
        model(**model.data_preprocessor(data, True), mode='loss')


def test_few_training_iterations_reduce_the_loss():
    torch.manual_seed(0)
    model = build(r50_model_cfg())
    model.data_preprocessor.size = (32, 32)
    data = model.data_preprocessor(samples(NAMES_A, NAMES_B, size=32), True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(4):
        loss = model(**data, mode='loss')['decode.loss_ce']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses


def test_checkpoint_round_trip(tmp_path):
    model = build(r50_model_cfg()).eval()
    path = str(tmp_path / 'changeclip.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    restored = build(r50_model_cfg()).eval()
    restored.load_state_dict(load_checkpoint_file(path)['state_dict'])
    data = model.data_preprocessor(samples(NAMES_A, NAMES_B))
    with torch.no_grad():
        torch.testing.assert_close(restored(**data, mode='tensor'),
                                   model(**data, mode='tensor'))


def test_tile_prompts_are_rebuilt_for_every_window(vit_clip_file):
    tile_prompts = dict(
        classifier=dict(type='CLIPZeroShotClassifier',
                        clip_checkpoint=vit_clip_file),
        topk=3)
    model = build(
        r50_model_cfg(),
        tile_prompts=tile_prompts,
        test_cfg=dict(mode='slide', crop_size=(32, 32),
                      stride=(32, 32))).eval()
    data = samples(NAMES_A, NAMES_B)
    for sample in data['data_samples']:
        del sample.prompt_classes  # not needed: prompts come from pixels
    windows = []
    original = model.fuse_features

    def spy(inputs, names_a, names_b):
        windows.append((tuple(inputs.shape), names_a, names_b))
        return original(inputs, names_a, names_b)

    model.fuse_features = spy
    with torch.no_grad():
        results = model.test_step(data)
    assert results[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert len(windows) == 4 and windows[0][0] == (2, 6, 32, 32)
    names = model._tile_classifier.class_names
    for _, names_a, names_b in windows:
        assert len(names_a) == 2 and all(len(n) == 3 for n in names_a)
        assert all(n in names for image in names_b for n in image)
    # The frozen CLIP of the tile prompts is not part of the checkpoint.
    assert not any('tile' in k for k in model.state_dict())
