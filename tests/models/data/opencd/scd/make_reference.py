"""Make the open-cd differential reference of tests/models/test_scd_opencd.py.

Runs open-cd's real ``SiamEncoderMultiDecoder`` + ``GeneralSCDHead``
(github likyoo/open-cd, commit given with ``--commit``) built from its
``configs/general_scd/scd_upernet_r18_256x512_10k_second.py`` narrowed for
the CPU (ResNetV1c-18 with 8 base channels, 16-channel UPerHeads, SyncBN
-> BN, no pretrained weights), with weights filled from a seed by
``../synthetic_weights.py`` (the shared semantic head's ``_aux`` entries
copy ``semantic_cd_head``'s), on one seeded 32x32 pair. Writes here:

* ``config.py``: the open-cd model config, dumped by mmengine;
* ``state_dict_spec.json``: names, shapes, dtypes of open-cd's state dict;
* ``reference_io.pt``: ``packed_inputs_uint8``, the three logits and
  predictions of ``test_step`` (after ``cover_semantic``) and the three
  losses (eval mode) on the ``gt_*`` maps stored alongside.

open-cd is imported from a scratch copy of ``opencd/`` with emptied package
``__init__`` files, after the changefine_mm ``mmcv.ops`` stand-in.

Usage::

    python tests/models/data/opencd/scd/make_reference.py /path/to/open-cd \\
        --commit SHA
"""
import argparse
import importlib
import importlib.util
import json
import os
import os.path as osp
import shutil
import sys
import tempfile

import torch

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.abspath(osp.join(HERE, *['..'] * 5))
SEED = 2026
SIZE = 32
CONFIG = 'configs/general_scd/scd_upernet_r18_256x512_10k_second.py'
WIDTHS = [8, 16, 32, 64]
NARROW = dict(
    pretrained=None,
    backbone=dict(stem_channels=16, base_channels=8),
    decode_head=dict(
        binary_cd_head=dict(in_channels=WIDTHS, channels=16),
        semantic_cd_head=dict(in_channels=WIDTHS, channels=16)))
MODULES = [
    'opencd.models.data_preprocessor',
    'opencd.models.change_detectors.siamencoder_decoder',
    'opencd.models.change_detectors.siamencoder_multidecoder',
    'opencd.models.necks.feature_fusion',
    'opencd.models.decode_heads.multi_head',
    'opencd.models.decode_heads.general_scd_head',
]


def load_by_path(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_opencd(root: str, scratch: str) -> None:
    """Import open-cd's SCD modules without its package ``__init__``s."""
    standin = load_by_path(
        'mmcv_ops_standin',
        osp.join(REPO, 'changefine_mm', 'utils', 'mmcv_ops_standin.py'))
    standin.install_mmcv_ops_standin()
    shutil.copytree(osp.join(root, 'opencd'), osp.join(scratch, 'opencd'))
    for folder, _, files in os.walk(osp.join(scratch, 'opencd')):
        if '__init__.py' in files:
            open(osp.join(folder, '__init__.py'), 'w').close()
    sys.path.insert(0, scratch)
    for name in MODULES:
        importlib.import_module(name)


def reduce_norms(cfg) -> None:
    """SyncBN -> BN everywhere (CPU, one process)."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            cfg['type'] = 'BN'
        for value in cfg.values():
            reduce_norms(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            reduce_norms(value)


def shared_weights(weights, entries):
    """Synthetic weights with the Siamese head's two names equal."""
    state = weights.synthetic_state_dict(entries, SEED)
    for name in list(state):
        if '.semantic_cd_head_aux.' in name:
            state[name] = state[name.replace('_aux.', '.')].clone()
    return state


def reference_batch():
    """One pair, its binary change and per-date maps (255 unchanged)."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    gen = torch.Generator().manual_seed(SEED)
    packed = torch.randint(0, 256, (6, SIZE, SIZE), dtype=torch.uint8,
                           generator=gen)
    change = torch.zeros(1, SIZE, SIZE, dtype=torch.int64)
    change[:, 8:20, 10:22] = 1
    packed[3:, 8:20, 10:22] = torch.randint(
        0, 256, (3, 12, 12), dtype=torch.uint8, generator=gen)
    cover = torch.randint(0, 6, (2, 1, SIZE, SIZE), generator=gen)
    cover[:, change == 0] = 255
    sample = SegDataSample(metainfo=dict(ori_shape=(SIZE, SIZE),
                                         img_shape=(SIZE, SIZE)))
    sample.gt_sem_seg = PixelData(data=change)
    sample.set_data(dict(gt_sem_seg_from=PixelData(data=cover[0]),
                         gt_sem_seg_to=PixelData(data=cover[1])))
    return dict(inputs=[packed], data_samples=[sample])


def make(root: str, commit: str) -> None:
    import copy

    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from opencd.registry import MODELS
    weights = load_by_path('synthetic_weights',
                           osp.join(HERE, '..', 'synthetic_weights.py'))
    cfg = Config.fromfile(osp.join(root, CONFIG))
    cfg.merge_from_dict(dict(model=NARROW))
    reduce_norms(cfg._cfg_dict)
    with DefaultScope.overwrite_default_scope('opencd'):
        model = MODELS.build(cfg.model)
    entries = weights.spec_of(model.state_dict())
    model.load_state_dict(shared_weights(weights, entries), strict=True)
    batch = reference_batch()
    gt = {k: batch['data_samples'][0].get(k).data.clone()
          for k in ('gt_sem_seg', 'gt_sem_seg_from', 'gt_sem_seg_to')}
    # Losses in eval mode: running BN statistics and no dropout make them
    # deterministic (and a batch of one cannot train BN after pooling).
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(copy.deepcopy(batch), True)
        losses = model(**data, mode='loss')
        result = model.test_step(batch)[0]
    ref = dict(packed_inputs_uint8=batch['inputs'][0], **gt)
    for name in ('seg_logits', 'seg_logits_from', 'seg_logits_to',
                 'pred_sem_seg', 'pred_sem_seg_from', 'pred_sem_seg_to'):
        ref[name] = result.get(name).data
    ref['losses'] = {k: v for k, v in losses.items() if 'loss' in k}
    torch.save(ref, osp.join(HERE, 'reference_io.pt'))
    model_cfg = Config(dict(model=cfg.model))
    model_cfg.dump(osp.join(HERE, 'config.py'))
    with open(osp.join(HERE, 'state_dict_spec.json'), 'w') as f:
        json.dump(dict(opencd_commit=commit, opencd_config=CONFIG,
                       seed=SEED, entries=entries), f, indent=0)
    print(f'{len(entries)} entries; losses '
          f'{ {k: round(float(v), 4) for k, v in ref["losses"].items()} }; '
          f'changed {result.pred_sem_seg.data.float().mean():.2f}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('opencd', help='open-cd checkout')
    parser.add_argument('--commit', required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        import_opencd(args.opencd, scratch)
        make(args.opencd, args.commit)


if __name__ == '__main__':
    main()
