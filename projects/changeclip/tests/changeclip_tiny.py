"""Tiny ChangeCLIP variants and tiny CLIP checkpoints shared by the tests."""
import os.path as osp

from mmengine.config import Config

from changefine_mm.models.utils.clip_loading import CLIPArch
from conftest import TINY_CLIP_ARCH, write_tiny_clip

PROJECT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(PROJECT, 'configs')
TAG = 'tiny'
# An OpenAI-layout ResNet CLIP small enough for CPU tests (the ViT one is
# conftest's TINY_CLIP_ARCH).
TINY_RN_ARCH = CLIPArch(
    embed_dim=16, vision_layers=(1, 1, 1, 1), vision_width=8,
    vision_patch_size=None, image_size=64, text_width=64, text_layers=1)


def _swin(shift: bool) -> dict:
    return dict(type='SwinBlock', num_heads=2, feedforward_channels=64,
                window_size=7, shift=shift)


_TEXT = dict(
    text_encoder=dict(
        context_length=40, token_length=32, transformer_width=32,
        transformer_heads=1, transformer_layers=1, embed_dim=16,
        clip_checkpoint=None),
    context_decoder=dict(
        transformer_width=16, transformer_heads=2, transformer_layers=1,
        visual_dim=16, dropout=0.0),
    fusion_channels=32,
    decode_head=dict(
        channels=32, text_dim=16, norm_groups=8, dropout_ratio=0.0,
        stage_blocks=[[_swin(False), _swin(True)]] * 3))
TINY_R50 = dict(
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(layers=[1, 1, 1, 1], width=8, output_dim=16,
                  input_resolution=64, clip_checkpoint=None),
    neck=dict(in_channels=[64, 128, 256, 516], out_channels=32),
    minus_channels=[32, 64, 128, 258],
    **{k: v for k, v in _TEXT.items() if k != 'decode_head'},
    decode_head=dict(_TEXT['decode_head'], in_channels=[32] * 4))
TINY_VIT = dict(
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(input_resolution=64, width=64, layers=4, heads=1,
                  output_dim=16, out_indices=[0, 1, 2, 3],
                  drop_path_rate=0.0, clip_checkpoint=None),
    neck=dict(in_channels=[128, 128, 132, 128], out_channels=32),
    minus_channels=[64, 64, 66, 64],
    **{k: v for k, v in _TEXT.items() if k != 'decode_head'},
    decode_head=dict(_TEXT['decode_head'], in_channels=[32] * 4))


def tiny_config(name: str) -> Config:
    """A project config with its model shrunk to a tiny variant."""
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    tiny = TINY_VIT if 'vit' in name else TINY_R50
    cfg.merge_from_dict(dict(model=tiny))
    return cfg


def tiny_clip_file(tmp_path_factory, arch: CLIPArch = TINY_CLIP_ARCH) -> str:
    """Write a tiny CLIP checkpoint in a fresh temporary folder."""
    name = 'tiny_vit.pt' if arch.is_vit else 'tiny_rn.pt'
    return write_tiny_clip(str(tmp_path_factory.mktemp('clip') / name), arch)
