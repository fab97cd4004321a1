"""TextConditionedChangeDetector: prompts per date, official mode, tiles.

The detector is built from the shared base config
``configs/_base_/models/clip_text_cd.py`` with tiny widths, a tiny image
encoder and the simplest change cue (the methods' own encoders and cues
are tested in their projects).
"""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from torch import nn

from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file
from conftest import REPO_ROOT, prompted_change_batch

NAMES_A = [['building', 'road', 'tree'], ['farmland', 'river', 'pond']]
NAMES_B = [['parking lot', 'square', 'cars'], ['bare land', 'desert',
                                               'mine']]
EMBED_DIM = 16


class TinyImageEncoder(nn.Module):
    """The image-encoder interface: 4 levels, then (global, dense)."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, width, 4, stride=4)
        self.stages = nn.ModuleList(
            nn.Conv2d(width * 2**i, width * 2**(i + 1), 2, stride=2)
            for i in range(3))
        self.proj = nn.Conv2d(width * 8, EMBED_DIM, 1)

    def forward(self, x: torch.Tensor) -> tuple:
        levels = [self.stem(x)]
        for stage in self.stages:
            levels.append(stage(torch.relu(levels[-1])))
        dense = self.proj(levels[-1])
        return (*levels, (dense.mean(dim=(2, 3)), dense))


class FusedChangeCue(nn.Module):
    """The change-cue interface: the fused maps as cues, no extra level."""

    def forward(self, feats_a, feats_b, fused):
        return list(fused), []


def _swin(shift: bool) -> dict:
    return dict(type='SwinBlock', num_heads=2, feedforward_channels=64,
                window_size=7, shift=shift)


def detector_cfg(**changes) -> dict:
    """The shared base model with tiny widths (score maps at level 3)."""
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', '_base_', 'models', 'clip_text_cd.py'))
    cfg.merge_from_dict(dict(model=dict(
        data_preprocessor=dict(size=(64, 64)),
        text_encoder=dict(
            context_length=40, token_length=32, transformer_width=32,
            transformer_heads=1, transformer_layers=1, embed_dim=EMBED_DIM,
            clip_checkpoint=None),
        context_decoder=dict(
            transformer_width=16, transformer_heads=2, transformer_layers=1,
            visual_dim=EMBED_DIM, dropout=0.0),
        neck=dict(in_channels=[16, 32, 64, 132], out_channels=32),
        minus_channels=[8, 16, 32, 66],
        score_concat_index=3,
        fusion_channels=32,
        decode_head=dict(
            in_channels=[32] * 4, in_index=[0, 1, 2, 3], channels=32,
            text_dim=EMBED_DIM, norm_groups=8, dropout_ratio=0.0,
            stage_blocks=[[_swin(False), _swin(True)]] * 3))))
    model = cfg.model.to_dict()
    model.update(backbone=dict(type=TinyImageEncoder),
                 change_cue=dict(type=FusedChangeCue), **changes)
    return model


def build(**changes) -> nn.Module:
    torch.manual_seed(0)
    return MODELS.build(copy.deepcopy(detector_cfg(**changes)))


def batch() -> dict:
    """Two pairs prompted with NAMES_A and NAMES_B, changed in a square."""
    return prompted_change_batch(NAMES_A, NAMES_B)


def test_loss_trains_the_prompt_side_and_predicts_full_size():
    model = build()
    losses = model(**model.data_preprocessor(batch(), True), mode='loss')
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    losses['decode.loss_ce'].backward()
    # The learnable context and the context decoder's weight are trained.
    assert model.text_encoder.contexts.grad.abs().sum() > 0
    assert model.gamma.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        results = model.test_step(batch())
    assert results[0].seg_logits.data.shape == (2, 64, 64)
    assert results[1].pred_sem_seg.data.shape == (1, 64, 64)


def _prompted_tokens(model, data, mode):
    """Tokens the text encoder sees for date A and date B."""
    seen = []
    hook = model.text_encoder.register_forward_hook(
        lambda module, args, out: seen.append(args[0].clone()))
    model(**data, mode=mode)
    hook.remove()
    return seen


def test_official_mode_prompts_date_b_with_date_a_classes():
    fixed = build().eval()
    official = build(mode='official').eval()
    official.load_state_dict(fixed.state_dict())
    data = fixed.data_preprocessor(batch())
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
    train = fixed.data_preprocessor(batch(), True)
    official.train()
    train_a, train_b = _prompted_tokens(official, train, 'loss')
    torch.testing.assert_close(train_b, tokens_b)
    expected = fixed.prompt_texts(NAMES_B[0])
    assert expected == ['remote sensing image background objects',
                        'remote sensing image foreground objects, parking '
                        'lot, square, cars']


def test_missing_prompt_classes_is_a_clear_error():
    model = build()
    data = batch()
    for sample in data['data_samples']:
        del sample.prompt_classes
    with pytest.raises(KeyError, match='CLIPPromptDataset'):
        model(**model.data_preprocessor(data, True), mode='loss')


def test_config_errors_name_the_value():
    with pytest.raises(ValueError, match="mode must be one of"):
        build(mode='paper')
    with pytest.raises(ValueError, match=r'neck out_channels \(32\) must '
                       r'equal fusion_channels \(24\)'):
        build(fusion_channels=24)
    with pytest.raises(ValueError, match="'background' and 'foreground'"):
        build(prompt_templates=dict(background='x'))
    with pytest.raises(ValueError, match='score maps are'):
        build(score_concat_index=2, minus_channels=[8, 16, 34, 64],
              neck=dict(type='FPN', in_channels=[16, 32, 68, 128],
                        out_channels=32, num_outs=4)).loss(
            **build().data_preprocessor(batch(), True))


def test_checkpoint_round_trip(tmp_path):
    model = build().eval()
    path = str(tmp_path / 'detector.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    torch.manual_seed(1)
    restored = MODELS.build(detector_cfg()).eval()
    restored.load_state_dict(load_checkpoint_file(path)['state_dict'])
    data = model.data_preprocessor(batch())
    with torch.no_grad():
        torch.testing.assert_close(restored(**data, mode='tensor'),
                                   model(**data, mode='tensor'))


def test_tile_prompts_are_rebuilt_for_every_window():
    tile_prompts = dict(
        classifier=dict(
            type='CLIPZeroShotClassifier',
            clip_checkpoint=None,
            arch=dict(embed_dim=16, vision_layers=1, vision_width=64,
                      image_size=32, text_width=64, text_layers=1)),
        topk=3)
    model = build(
        tile_prompts=tile_prompts,
        test_cfg=dict(mode='slide', crop_size=(32, 32),
                      stride=(32, 32))).eval()
    data = batch()
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
