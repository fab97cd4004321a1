"""Make the CLIPFormer parity reference by running the official code.

CLIPFormer's release (github.com/wujiang0156/CLIPformer, read at 8a84d07)
is loose files meant for ChangeCLIP's mmseg fork (github.com/dyzy41/
ChangeCLIP, f71a0a3). Run OUTSIDE this package, with both extracted::

    git --git-dir=<ChangeCLIP mirror> archive HEAD mmseg | tar -x -C /tmp/cc
    git --git-dir=<CLIPformer mirror> archive HEAD | tar -x -C /tmp/cf
    python projects/clipformer/tests/make_reference.py /tmp/cc /tmp/cf

The script copies the fork and the three model files (``swinclip.py``,
``cswin_text_head.py``, ``CLIPFormer.py``) into a temporary folder, imports
that ``mmseg`` (never ``changefine_mm``), and defines the one name the
release uses but does not contain: ``ResidualBlock`` of ChangeFormer
(``x + 0.1 * conv(relu(conv(x)))``, 3x3 convs with bias, as in
ChangeFormer's ``ChangeFormer.py``). It builds the official ``CLIPFormer``
segmentor at small widths (the fusion and decoder keep their hard-coded
256/128 channels; the backbone's ``GlobalLocalPool``, hard-coded for
Swin-T's 768 channels, is rebuilt for the small Swin), fills the weights
with exactly representable values (as ChangeCLIP's ``make_reference.py``,
but sparse) and saves inputs, official-name weights, prompt class names
and the evaluation logits to ``data/clipformer.npz``.
"""
import argparse
import importlib
import importlib.util
import math
import os.path as osp
import shutil
import sys
import tempfile
import types

import numpy as np
import torch
from torch import nn

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(HERE)))
SEED = 0
NAMES_A = [['building', 'road', 'tree'], ['farmland', 'river', 'pond']]
NAMES_B = [['parking lot', 'square', 'cars'], ['bare land', 'desert',
                                               'mine']]
FILES = {
    'swinclip.py': 'backbones',
    'cswin_text_head.py': 'decode_heads',
    'CLIPFormer.py': 'segmentors',
}
# The released configs (in the logs) at small widths; the text side keeps
# its 512-d joint space, to which the release ties the pyramid (256) and
# the pooling (512).
MODEL = dict(
    type='CLIPFormer', context_length=16, text_head=False,
    text_dim=512, token_embed_dim=16, score_concat_index=3,
    minus_channel=[16, 32, 64, 130],
    backbone=dict(type='CLIPSwinWithAttention', embed_dims=16,
                  depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4],
                  drop_path_rate=0.3, output_dim=512),
    text_encoder=dict(type='CLIPTextContextEncoder', context_length=24,
                      transformer_width=16, transformer_heads=1,
                      transformer_layers=1, embed_dim=512),
    context_decoder=dict(type='ContextDecoder', transformer_width=16,
                         transformer_heads=2, transformer_layers=1,
                         visual_dim=512, dropout=0.1),
    neck=dict(type='FPN', in_channels=[32, 64, 128, 260], out_channels=256,
              num_outs=4),
    decode_head=dict(
        type='CSwinTextDecode', dim=256, patches_resolution=128,
        num_heads=8, split_size=4, embed_dim=256, text_dim=512, depth=1,
        in_channels=[256] * 5, in_index=[0, 1, 2, 3, 4], channels=256,
        dropout_ratio=0.1, num_classes=2, align_corners=False,
        input_transform='multiple_select',
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False)),
    test_cfg=dict(mode='whole'))


class ResidualBlock(nn.Module):
    """ChangeFormer's ResidualBlock, which CLIPFormer.py uses undefined."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.1 * self.conv2(self.relu(self.conv1(x)))


def import_official(changeclip_root: str, clipformer_root: str):
    """Import the fork with CLIPFormer's files, mmcv-lite and no `clip`."""
    work = tempfile.mkdtemp(prefix='clipformer_official_')
    shutil.copytree(osp.join(changeclip_root, 'mmseg'),
                    osp.join(work, 'mmseg'))
    for name, folder in FILES.items():
        shutil.copy(osp.join(clipformer_root, name),
                    osp.join(work, 'mmseg', 'models', folder, name))
    sys.path.insert(0, work)
    standin = importlib.util.spec_from_file_location(
        'standin', osp.join(REPO, 'changefine_mm/utils/mmcv_ops_standin.py'))
    module = importlib.util.module_from_spec(standin)
    standin.loader.exec_module(module)
    module.install_mmcv_ops_standin()
    for name in ('seaborn', 'clip'):
        sys.modules.setdefault(name, types.ModuleType(name))
    import mmcv
    mmcv.__version__ = '2.0.0'  # the fork's upper bound excludes 2.1.0
    import mmseg.models  # noqa: F401
    from mmseg.registry import MODELS
    for name, folder in FILES.items():
        loaded = importlib.import_module(
            f'mmseg.models.{folder}.{name[:-3]}')
    loaded.ResidualBlock = ResidualBlock
    return MODELS


def exact_fill(model: nn.Module, generator: torch.Generator) -> dict:
    """Give every float weight exactly representable random values.

    ``t`` is -1 or 1 with probability 1/8 each, else 0: sparse, so the
    20M weights compress to under 3 MB.
    """
    packed = {}
    for name, tensor in model.state_dict().items():
        if not tensor.is_floating_point():
            continue
        draw = torch.randint(0, 8, tensor.shape, generator=generator)
        ternary = (draw == 0).long() - (draw == 1).long()
        if tensor.dim() >= 2:
            fan_in = tensor[0].numel()
            offset, scale = 0.0, 2.0**-math.ceil(math.log2(fan_in / 4) / 2)
        elif name.endswith(('weight', 'running_var')):
            offset, scale = 1.0, 0.25
        else:
            offset, scale = 0.0, 0.125
        tensor.copy_(offset + ternary.float() * scale)
        packed[f'w/{name}'] = ternary.to(torch.int8).numpy()
        packed[f'o/{name}'] = np.float32(offset)
        packed[f's/{name}'] = np.float32(scale)
    return packed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('changeclip_root', help='holds the mmseg/ fork')
    parser.add_argument('clipformer_root', help='holds CLIPFormer.py')
    args = parser.parse_args()
    models = import_official(args.changeclip_root, args.clipformer_root)
    torch.manual_seed(SEED)
    model = models.build(MODEL)
    # swinclip.py fixes the pool's input to Swin-T's 768 channels; the same
    # official class at this Swin's last width.
    pool = type(model.backbone.glpool)
    model.backbone.glpool = pool(model.backbone.num_features[-1], 512)
    model.eval()
    generator = torch.Generator().manual_seed(SEED)
    packed = exact_fill(model, generator)
    steps = torch.randint(-16, 17, (2, 6, 64, 64), generator=generator)
    metas = [dict(jsonA=a, jsonB=b, img_shape=(64, 64), ori_shape=(64, 64),
                  pad_shape=(64, 64)) for a, b in zip(NAMES_A, NAMES_B)]
    with torch.no_grad():
        logits = model.encode_decode(steps.float() / 8, metas)
    out = osp.join(HERE, 'data', 'clipformer.npz')
    np.savez_compressed(
        out, inputs=steps.to(torch.int8).numpy(), logits=logits.numpy(),
        names_a=np.array([', '.join(n) for n in NAMES_A]),
        names_b=np.array([', '.join(n) for n in NAMES_B]), **packed)
    print(out)


if __name__ == '__main__':
    main()
