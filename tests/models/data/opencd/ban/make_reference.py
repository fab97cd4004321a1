"""Make the BAN differential references of tests/models/test_opencd_ban.py.

Runs open-cd's real BAN code (``ban.py``, ``ban_head.py``, ``ban_utils.py``)
through ``../make_references.py`` (same seeded 64x64 pair, synthetic
weights and files) on two of open-cd's BAN configs, with the foundation
model reduced to a tiny CLIP-arranged ViT (64 wide, 3 layers, 2 heads,
64x64 input) so that the reference stays small; the side encoders (MiT-b0,
ResNet-18 V1c) and decoders are the configs' own. ``ban_utils.py`` builds
``mmpretrain.LN2d``: mmpretrain 1.2.0 must be importable (see
``../make_references.py``).

Usage::

    PYTHONPATH=/path/to/mmpretrain-target \
    python tests/models/data/opencd/ban/make_reference.py /path/to/open-cd \
        --commit SHA
"""
import argparse
import importlib.util
import os.path as osp
import tempfile

import torch

HERE = osp.dirname(osp.abspath(__file__))

TINY_VIT = dict(img_size=(64, 64), embed_dims=64, num_layers=3, num_heads=2,
                out_indices=(0, 1, 2))
COMMON = dict(pretrained=None,
              encoder_resolution=dict(size=(64, 64), mode='bilinear'),
              image_encoder=TINY_VIT)
FAMILIES = {
    'ban/mit_b0': (
        'configs/ban/ban_vit-b16-clip_mit-b0_512x512_40k_levircd.py',
        dict(COMMON, decode_head=dict(ban_cfg=dict(
            clip_channels=64, side_enc_cfg=dict(init_cfg=None))))),
    'ban/bit_r18': (
        'configs/ban/ban_vit-b16-clip_bit_512x512_40k_levircd.py',
        dict(COMMON, decode_head=dict(ban_cfg=dict(
            clip_channels=64, side_enc_cfg=dict(init_cfg=None))))),
}
MODULES = [
    'opencd.models.decode_heads.bit_head',
    'opencd.models.decode_heads.ban_utils',
    'opencd.models.decode_heads.ban_head',
    'opencd.models.change_detectors.ban',
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('opencd_root', help='a checkout of likyoo/open-cd')
    parser.add_argument('--commit', default='unknown',
                        help='the open-cd commit of opencd_root')
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location(
        'make_references', osp.join(osp.dirname(HERE), 'make_references.py'))
    refs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refs)
    refs.FAMILIES.update(FAMILIES)
    refs.MODULES.extend(MODULES)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as scratch:
        refs.import_opencd(args.opencd_root, scratch)
        for family in FAMILIES:
            refs.make(args.opencd_root, family, args.commit)


if __name__ == '__main__':
    main()
