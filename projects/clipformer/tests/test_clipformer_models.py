"""CLIPFormer modules and the assembled detector on CPU."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmseg.models.backbones import SwinTransformer

from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file
from conftest import prompted_change_batch, train_steps
from projects.clipformer.clipformer import (CLIPSwinWithAttention,
                                            CrossShapedWindowBlock,
                                            DifferencePyramid)
from projects.clipformer.clipformer.cross_shaped_window_block import \
    _StripeAttention

pytestmark = pytest.mark.usefixtures('one_torch_thread')

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'configs')
SWIN = dict(embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4])


def _stripes(heads, split):
    return [dict(type='CrossShapedWindowBlock', num_heads=heads,
                 split_size=split)]


TINY = dict(
    data_preprocessor=dict(size=(32, 32)),
    backbone=dict(SWIN, output_dim=16, drop_path_rate=0.,
                  swin_checkpoint=None),
    text_encoder=dict(
        context_length=40, token_length=32, transformer_width=32,
        transformer_heads=1, transformer_layers=1, embed_dim=16,
        clip_checkpoint=None),
    context_decoder=dict(transformer_width=16, transformer_heads=2,
                         transformer_layers=1, visual_dim=16, dropout=0.),
    neck=dict(in_channels=[32, 64, 128, 260], out_channels=32),
    minus_channels=[16, 32, 64, 130],
    fusion_channels=32,
    change_cue=dict(in_channels=[16, 32, 64, 130], channels=32),
    decode_head=dict(
        in_channels=[32] * 5, channels=32, text_dim=16, norm_groups=8,
        dropout_ratio=0.,
        stage_blocks=[_stripes(2, 1)] + [_stripes(4, 4)] * 3))
# config: (dataset, prompt JSON tag), from the configs in the released logs.
PUBLISHED = {
    'clipformer_swin-t_256x256_40k_levircd.py': ('LEVIRCDDataset',
                                                 '56_vit16'),
    'clipformer_swin-t_256x256_40k_levircd-plus.py': ('LEVIRCDPlusDataset',
                                                      '56_rn50'),
    'clipformer_swin-t_256x256_40k_whucd.py': ('WHUCDDataset', '56_vit16'),
    'clipformer_swin-t_256x256_40k_sysucd.py': ('SYSUCDDataset', '56_vit16'),
    'clipformer_swin-t_256x256_40k_cdd.py': ('CDDDataset', '56_rn50'),
}
TILE_CONFIG = 'clipformer_swin-t_slide-tile-prompts_levircd.py'


def tiny_model_cfg(name='clipformer_swin-t_256x256_40k_levircd.py'):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.merge_from_dict(dict(model=TINY))
    return cfg.model.to_dict()


def batch(seed=0, size=32):
    """Two pairs whose change is a square of new pixels in date B."""
    names = [['building', 'road'], ['river', 'farmland']]
    return prompted_change_batch(names, [n[::-1] for n in names], size, seed)


def test_swin_pool_shapes_and_global_embedding():
    backbone = CLIPSwinWithAttention(output_dim=16, **SWIN).eval()
    outs = backbone(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape[1:]) for o in outs[:4]] == [
        (16, 16, 16), (32, 8, 8), (64, 4, 4), (128, 2, 2)]
    global_feat, dense = outs[4]
    assert dense.shape == (2, 16, 2, 2)
    mean_token = outs[3].flatten(2).mean(dim=2)
    torch.testing.assert_close(global_feat, mean_token @ backbone.proj)
    with pytest.raises(ValueError, match='all four stages'):
        CLIPSwinWithAttention(out_indices=(1, 2, 3), **SWIN)


def test_swin_loads_mmseg_layout_checkpoints(tmp_path):
    imagenet = SwinTransformer(**SWIN)
    weights = {
        f'backbone.{k}': v
        for k, v in imagenet.state_dict().items()
        if not k.startswith(('norm0', 'norm1', 'norm2', 'norm3'))
    }
    # A classification checkpoint also holds its final norm.
    weights['backbone.norm.weight'] = torch.ones(128)
    path = str(tmp_path / 'swin.pth')
    torch.save(dict(state_dict=weights), path)
    backbone = CLIPSwinWithAttention(swin_checkpoint=path, **SWIN)
    backbone.init_weights()
    torch.testing.assert_close(
        backbone.stages[2].blocks[0].attn.w_msa.qkv.weight,
        weights['backbone.stages.2.blocks.0.attn.w_msa.qkv.weight'])
    del weights['backbone.stages.3.blocks.0.ffn.layers.1.weight']
    torch.save(dict(state_dict=weights), path)
    with pytest.raises(ValueError, match='missing .*ffn.layers.1.weight'):
        CLIPSwinWithAttention(swin_checkpoint=path, **SWIN).init_weights()
    torch.save(dict(model={'layers.0.blocks.0.attn.qkv.weight': 0}), path)
    with pytest.raises(ValueError, match='swin2mmseg'):
        CLIPSwinWithAttention(swin_checkpoint=path, **SWIN).init_weights()


def test_stripe_attention_stays_inside_its_stripe():
    attention = _StripeAttention(8, num_heads=2, split=4, vertical=True)
    qkv = torch.randn(1, 3, 8, 6, 12)
    out = attention(qkv).reshape(1, 6, 12, 8)
    moved = qkv.clone()
    moved[..., 8:] += 1  # the last stripe of columns 8..11 only
    out_moved = attention(moved).reshape(1, 6, 12, 8)
    torch.testing.assert_close(out_moved[:, :, :8], out[:, :, :8])
    assert not torch.allclose(out_moved[:, :, 8:], out[:, :, 8:])
    # Horizontal stripes with padding (7 rows, stripes of 4).
    rows = _StripeAttention(8, num_heads=2, split=4, vertical=False)
    assert rows(torch.randn(2, 3, 8, 7, 5)).shape == (2, 35, 8)


def test_cross_shaped_block_and_difference_pyramid_shapes():
    block = CrossShapedWindowBlock(16, num_heads=4, split_size=2)
    assert block(torch.randn(2, 30, 16), (5, 6)).shape == (2, 30, 16)
    with pytest.raises(ValueError, match='even'):
        CrossShapedWindowBlock(16, num_heads=3)
    pyramid = DifferencePyramid([8, 16, 32, 64], channels=16)
    feats = [torch.randn(2, c, s, s)
             for c, s in ((8, 16), (16, 8), (32, 4), (64, 2))]
    diffs, extra = pyramid(feats, [f.flip(0) for f in feats], [])
    assert [tuple(d.shape[1:]) for d in diffs] == [(16, 16, 16), (16, 8, 8),
                                                   (16, 4, 4), (16, 2, 2)]
    assert len(extra) == 1 and extra[0].shape == (2, 16, 32, 32)
    with pytest.raises(ValueError, match='expected 4 levels'):
        pyramid(feats[:3], feats[:3], [])


def test_detector_shapes_training_and_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    data = model.data_preprocessor(batch(), True)
    losses = train_steps(model, data, steps=3)
    assert losses[-1] < 0.8 * losses[0], losses
    model.eval()
    path = str(tmp_path / 'clipformer.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    restored = MODELS.build(tiny_model_cfg()).eval()
    restored.load_state_dict(load_checkpoint_file(path)['state_dict'])
    with torch.no_grad():
        results = model.test_step(batch(seed=1))
        logits = model(**model.data_preprocessor(batch(seed=1)),
                       mode='tensor')
        again = restored(**restored.data_preprocessor(batch(seed=1)),
                         mode='tensor')
    # The head ends at stride 2 (the pyramid's extra level).
    assert logits.shape == (2, 2, 16, 16)
    torch.testing.assert_close(again, logits)
    assert results[0].pred_sem_seg.data.shape == (1, 32, 32)


def test_pyramid_width_must_match_the_fusion_width():
    cfg = tiny_model_cfg()
    cfg['change_cue']['channels'] = 24
    with pytest.raises(ValueError, match='24 channels, but fusion_channels'):
        MODELS.build(cfg)


def test_every_config_is_checked():
    assert sorted([*PUBLISHED, TILE_CONFIG]) == sorted(
        osp.basename(p) for p in glob.glob(osp.join(CONFIGS, '*.py')))


@pytest.mark.parametrize('name', sorted(PUBLISHED))
def test_config_follows_the_released_logs_and_builds(name):
    dataset, tag = PUBLISHED[name]
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    assert cfg.custom_imports.imports == ['projects.clipformer.clipformer']
    assert cfg.model.backbone.type == 'CLIPSwinWithAttention'
    assert cfg.model.text_encoder.embed_dim == 512
    assert cfg.model.change_cue.type == 'DifferencePyramid'
    assert cfg.train_dataloader.batch_size == 16
    assert (cfg.train_cfg.max_iters, cfg.train_cfg.val_interval) == (40000,
                                                                     4000)
    assert cfg.param_scheduler[1].end == 40000
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    for loader in ('train', 'val', 'test'):
        wrapper = cfg[f'{loader}_dataloader'].dataset
        assert (wrapper.type, wrapper.json_tag) == ('CLIPPromptDataset', tag)
        assert wrapper.dataset_type == dataset
    model = MODELS.build(tiny_model_cfg(name))
    assert len(model.decode_head.stages) == 4


def test_rn50_text_variant_and_tile_prompt_config_build():
    rn50 = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'models',
                 'clipformer_swin-t_rn50-text.py'))
    assert rn50.model.text_encoder.embed_dim == 1024
    assert rn50.model.backbone.output_dim == 1024
    assert rn50.model.decode_head.text_dim == 1024
    tile = Config.fromfile(osp.join(CONFIGS, TILE_CONFIG))
    assert tile.model.test_cfg.mode == 'slide'
    assert tile.model.tile_prompts.topk == 9
    assert tile.test_dataloader.dataset.type == 'LEVIRCDDataset'
    cfg = tiny_model_cfg(TILE_CONFIG)
    cfg['tile_prompts']['classifier'].update(
        clip_checkpoint=None,
        arch=dict(embed_dim=16, vision_layers=1, vision_width=64,
                  image_size=32, text_width=64, text_layers=1))
    cfg['test_cfg'].update(crop_size=(16, 16), stride=(16, 16))
    model = MODELS.build(copy.deepcopy(cfg)).eval()
    data = batch()
    for sample in data['data_samples']:
        del sample.prompt_classes
    with torch.no_grad():
        results = model.test_step(data)
    assert results[1].pred_sem_seg.data.shape == (1, 32, 32)
