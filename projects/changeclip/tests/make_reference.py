"""Make the ChangeCLIP parity references by running the official code.

Run OUTSIDE this package, with the official repository (github.com/dyzy41/
ChangeCLIP, read at f71a0a3) extracted somewhere and first on the path::

    git --git-dir=<mirror> archive HEAD mmseg | tar -x -C /tmp/changeclip
    PYTHONPATH=/tmp/changeclip python \
        projects/changeclip/tests/make_reference.py /tmp/changeclip

The official repository is a fork of mmseg 1.1.0 installed as ``mmseg``, so
this script must not import ``changefine_mm`` (it would get the fork). It
builds the official ``ChangeCLIP`` segmentor at small widths (the fusion,
neck and decoder keep their hard-coded 256 channels), fills every weight
with exactly representable values (``offset + t * scale``, ``t`` in
{-1, 0, 1}, ``scale`` a power of two: stored as int8 plus two floats per
tensor, a few MB compressed) and saves the inputs, the weights under their
official names, the prompt class names and the official
``encode_decode`` logits (evaluation path: date B is prompted with date A's
classes, the published behaviour) to ``data/changeclip_<variant>.npz``.
"""
import argparse
import importlib.util
import math
import os.path as osp
import sys
import types

import numpy as np
import torch

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(HERE)))
SEED = 0
NAMES_A = [['building', 'road', 'tree'], ['farmland', 'river', 'pond']]
NAMES_B = [['parking lot', 'square', 'cars'], ['bare land', 'desert',
                                               'mine']]
TEXT = dict(type='CLIPTextContextEncoder', context_length=24,
            transformer_width=16, transformer_heads=1, transformer_layers=1,
            embed_dim=32)
CONTEXT = dict(type='ContextDecoder', context_length=16,
               transformer_width=16, transformer_heads=2,
               transformer_layers=1, visual_dim=32, dropout=0.1,
               outdim=32)
HEAD = dict(type='SwinTextDecode', in_channels=[256] * 4,
            in_index=[0, 1, 2, 3], feature_strides=[4, 8, 16, 32],
            dropout_ratio=0.1, align_corners=False, num_classes=2,
            channels=256, text_dim=32,
            loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False))
# Official configs/0cd_ce/changeclip_levir[_vit].py at small widths.
VARIANTS = {
    'r50': dict(
        backbone=dict(type='CLIPResNetWithAttention', layers=[1, 1, 1, 1],
                      width=8, output_dim=32, input_resolution=64),
        neck_in=[64, 128, 256, 516], minus=[32, 64, 128, 258],
        score_concat_index=3),
    'vit-b16': dict(
        backbone=dict(type='CLIPVisionTransformer', input_resolution=64,
                      patch_size=16, width=32, layers=4, heads=1,
                      output_dim=32, drop_path_rate=0.1,
                      out_indices=[0, 1, 2, 3], get_embeddings=True),
        neck_in=[64, 64, 68, 64], minus=[32, 32, 34, 32],
        score_concat_index=2),
}


def import_official(root: str):
    """Import the official fork of mmseg with mmcv-lite and no `clip`."""
    standin = importlib.util.spec_from_file_location(
        'standin', osp.join(REPO, 'changefine_mm/utils/mmcv_ops_standin.py'))
    module = importlib.util.module_from_spec(standin)
    standin.loader.exec_module(module)
    module.install_mmcv_ops_standin()
    # Imported by ChangeCLIPCD.py for plots and tile prompts only.
    for name in ('seaborn', 'clip'):
        sys.modules.setdefault(name, types.ModuleType(name))
    import mmcv
    mmcv.__version__ = '2.0.0'  # the fork's upper bound excludes 2.1.0
    import mmseg
    if not osp.abspath(mmseg.__file__).startswith(osp.abspath(root)):
        sys.exit(f'mmseg comes from {mmseg.__file__}, not {root}: put the '
                 'official checkout first on PYTHONPATH')
    import mmseg.models  # noqa: F401 (registers ChangeCLIP)
    from mmseg.registry import MODELS
    return MODELS


def exact_fill(model: torch.nn.Module, generator: torch.Generator) -> dict:
    """Give every float weight exactly representable random values."""
    packed = {}
    for name, tensor in model.state_dict().items():
        if not tensor.is_floating_point():
            continue
        ternary = torch.randint(-1, 2, tensor.shape, generator=generator)
        if tensor.dim() >= 2:
            fan_in = tensor[0].numel()
            offset, scale = 0.0, 2.0**-math.ceil(math.log2(fan_in) / 2)
        elif name.endswith(('weight', 'running_var')):
            offset, scale = 1.0, 0.25
        else:
            offset, scale = 0.0, 0.125
        tensor.copy_(offset + ternary.float() * scale)
        packed[f'w/{name}'] = ternary.to(torch.int8).numpy()
        packed[f'o/{name}'] = np.float32(offset)
        packed[f's/{name}'] = np.float32(scale)
    return packed


def make(models, variant: str) -> str:
    spec = VARIANTS[variant]
    torch.manual_seed(SEED)
    model = models.build(dict(
        type='ChangeCLIP', context_length=16, text_head=False,
        backbone=spec['backbone'], text_encoder=TEXT,
        context_decoder=CONTEXT,
        neck=dict(type='FPN', in_channels=spec['neck_in'], out_channels=256,
                  num_outs=4),
        decode_head=HEAD, minus_channel=spec['minus'],
        score_concat_index=spec['score_concat_index'], token_embed_dim=16,
        text_dim=32, test_cfg=dict(mode='whole'))).eval()
    generator = torch.Generator().manual_seed(SEED)
    packed = exact_fill(model, generator)
    # Inputs: multiples of 1/8 in [-2, 2], exact in float32.
    steps = torch.randint(-16, 17, (2, 6, 64, 64), generator=generator)
    inputs = steps.float() / 8
    metas = [dict(jsonA=a, jsonB=b, img_shape=(64, 64), ori_shape=(64, 64),
                  pad_shape=(64, 64)) for a, b in zip(NAMES_A, NAMES_B)]
    with torch.no_grad():
        logits = model.encode_decode(inputs, metas)
    out = osp.join(HERE, 'data', f'changeclip_{variant}.npz')
    np.savez_compressed(
        out, inputs=steps.to(torch.int8).numpy(), logits=logits.numpy(),
        names_a=np.array([', '.join(n) for n in NAMES_A]),
        names_b=np.array([', '.join(n) for n in NAMES_B]), **packed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('official_root',
                        help='folder holding the official mmseg/ fork')
    args = parser.parse_args()
    models = import_official(args.official_root)
    for variant in VARIANTS:
        print(make(models, variant))


if __name__ == '__main__':
    main()
