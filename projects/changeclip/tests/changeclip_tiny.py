"""Tiny ChangeCLIP variants and tiny CLIP checkpoints shared by the tests."""
import importlib.util
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

from changefine_mm.models.utils.clip_loading import CLIPArch, build_clip

PROJECT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(PROJECT, 'configs')
PROMPT_TOOL = osp.join(osp.dirname(osp.dirname(PROJECT)), 'tools', 'misc',
                       'clip_prompt_classes.py')
TAG = 'tiny'
SPLITS = ('train', 'val', 'test')
# OpenAI-layout CLIPs small enough for CPU tests (one head of 64 channels).
TINY_VIT_ARCH = CLIPArch(
    embed_dim=16, vision_layers=4, vision_width=64, vision_patch_size=16,
    image_size=32, text_width=64, text_layers=1)
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


def write_clip(path: str, arch: CLIPArch, seed: int = 0) -> str:
    """Save a random CLIP of ``arch`` as an OpenAI-layout state dict."""
    torch.manual_seed(seed)
    torch.save(build_clip(arch).state_dict(), path)
    return path


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Run the importing test module single-threaded (autouse fixture).

    Tiny models on a shared CPU: thread start-up costs more than it gains.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_clip_file(tmp_path_factory, arch: CLIPArch) -> str:
    """Write a tiny CLIP checkpoint in a fresh temporary folder."""
    name = 'tiny_vit.pt' if arch.is_vit else 'tiny_rn.pt'
    return write_clip(str(tmp_path_factory.mktemp('clip') / name), arch)


def samples(names_a, names_b, size=64, seed=0):
    """A batch (dataloader format) of pairs with prompt classes.

    Date B repeats date A but for a square of new pixels, the change label.
    """
    gen = torch.Generator().manual_seed(seed)
    inputs, data_samples = [], []
    for a, b in zip(names_a, names_b):
        image = torch.randint(0, 256, (3, size, size), generator=gen,
                              dtype=torch.uint8)
        changed = image.clone()
        top, left = torch.randint(0, size // 2, (2, ), generator=gen)
        square = (slice(top, top + size // 3), slice(left, left + size // 3))
        changed[(slice(None), ) + square] = torch.randint(
            0, 256, (3, size // 3, size // 3), generator=gen,
            dtype=torch.uint8)
        inputs.append(torch.cat([image, changed]))
        label = torch.zeros(1, size, size, dtype=torch.long)
        label[(slice(None), ) + square] = 1
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label)
        sample.set_metainfo(dict(
            prompt_classes=[list(a), list(b)], img_shape=(size, size),
            ori_shape=(size, size), pad_shape=(size, size)))
        data_samples.append(sample)
    return dict(inputs=inputs, data_samples=data_samples)


def load_prompt_tool():
    """tools/misc/clip_prompt_classes.py as a module."""
    spec = importlib.util.spec_from_file_location('clip_prompt_classes',
                                                  PROMPT_TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prompted_copy(src: str, dst: str, classifier) -> str:
    """Copy a LEVIR-layout dataset and write its prompt JSON files."""
    tool = load_prompt_tool()
    shutil.copytree(src, dst)
    for split in SPLITS:
        for date in ('A', 'B'):
            tool.score_folder(osp.join(dst, split, date), classifier, TAG,
                              batch_size=4, progress=False)
    return dst
