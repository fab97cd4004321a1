"""Make the open-cd differential references of tests/models/test_opencd_*.

Runs open-cd's real model code (github likyoo/open-cd, commit named in
README.md) with deterministic weights (``synthetic_weights.py``) on one
seeded 64x64 pair and writes, per family, under ``<family>/``:

* ``config.py``: the open-cd config that built the model (SyncBN -> BN,
  no pretrained weights, the listed reductions), dumped by mmengine;
* ``state_dict_spec.json``: names, shapes and dtypes of open-cd's state
  dict, in order (the weights are rebuilt from it and a seed);
* ``reference_io.pt``: ``packed_inputs_uint8`` (6, 64, 64),
  ``head_logits`` (the model in ``mode='tensor'``), ``seg_logits`` and
  ``pred_sem_seg`` of ``test_step``, and ``min_margin`` (the smallest
  distance to the decision boundary: of the top-2 logits' difference, of
  a probability to the threshold for 1-channel models, of a STANet
  distance to its threshold).

open-cd's package ``__init__`` imports every model (and mmdet); only the
needed module files are imported here, from a copy of ``opencd/`` whose
``__init__`` files are emptied. mmcv-lite lacks compiled ops: the package's
``mmcv.ops`` stand-in is installed first, and mmcv's own pure-PyTorch
``CrissCrossAttention`` (``mmcv/ops/cc_attention.py``) is put into it for
LightCDNet. TinyNet uses ``mmpretrain.LN2d``: mmpretrain 1.2.0 must be
importable (``pip install --no-deps --target DIR mmpretrain==1.2.0
importlib_metadata==8.5.0 zipp==3.21.0 model-index==0.1.11
ordered-set==4.1.0 markdown==3.7 einops==0.8.0`` and ``PYTHONPATH=DIR``).

Usage::

    python tests/models/data/opencd/make_references.py /path/to/open-cd \
        --commit SHA [family ...]
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
import torchvision

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.abspath(osp.join(HERE, *['..'] * 4))
SEED = 2026
INPUT_SIZE = 64

# family -> (open-cd config, model overrides)
FAMILIES = {
    'cgnet': ('configs/cgnet/cgnet_256x256_40k_levircd.py',
              dict(backbone=dict(pretrained=False))),
    'tinycd': ('configs/tinycd/tinycd_256x256_40k_levircd.py',
               dict(backbone=dict(pretrained=False))),
    'tinycd_v2_s': ('configs/tinycd_v2/tinycd_v2_s_256x256_40k_levircd.py',
                    dict()),
    'stanet_pam': ('configs/stanet/stanet_pam_256x256_40k_levircd.py',
                   dict(pretrained=None)),
    'stanet_base': ('configs/stanet/stanet_base_256x256_40k_levircd.py',
                    dict(pretrained=None)),
    'stanet_bam': ('configs/stanet/stanet_bam_256x256_40k_levircd.py',
                   dict(pretrained=None)),
    'ifn': ('configs/ifn/ifn_256x256_40k_levircd.py', dict()),
    'hanet': ('configs/hanet/hanet_256x256_40k_levircd.py', dict()),
    'lightcdnet_s': ('configs/lightcdnet/lightcdnet_s_256x256_40k_levircd.py',
                     dict()),
    'changer_ex_mit_b0': (
        'configs/changer/changer_ex_mit-b0_512x512_40k_levircd.py',
        dict(pretrained=None)),
    'changer_ex_s50': ('configs/changer/changer_ex_s50_512x512_40k_levircd.py',
                       dict()),
    'changestar_farseg': (
        'configs/changestar/changestar_farseg_1x96_256x256_40k_levircd.py',
        dict(backbone=dict(init_cfg=None))),
    'changestar_upernet': (
        'configs/changestar/changestar_upernet_1x96_256x256_40k_levircd.py',
        dict(backbone=dict(init_cfg=None))),
}
# MTKD wrappers: open-cd config, overrides; the reference holds the
# training losses of one labelled batch (model in eval mode: no dropout).
DISTILL_FAMILIES = {
    'mtkd_tinycd': ('configs/mtkd/step3/mtkd-tinycd_512x512_200k_jl1cd.py',
                    dict(backbone=dict(pretrained=False))),
    'mtkd_changestar_farseg': (
        'configs/mtkd/step3/'
        'mtkd-changestar_farseg_1x96_512x512_200k_jl1cd.py',
        dict(backbone=dict(init_cfg=None))),
}
MODULES = [
    'opencd.models.data_preprocessor',
    'opencd.models.change_detectors.siamencoder_decoder',
    'opencd.models.change_detectors.dual_input_encoder_decoder',
    'opencd.models.necks.feature_fusion',
    'opencd.models.necks.tiny_fpn',
    'opencd.models.decode_heads.identity_head',
    'opencd.models.decode_heads.tiny_head',
    'opencd.models.decode_heads.sta_head',
    'opencd.models.decode_heads.ds_fpn_head',
    'opencd.models.losses.bcl_loss',
    'opencd.models.backbones.cgnet',
    'opencd.models.backbones.tinycd',
    'opencd.models.backbones.tinynet',
    'opencd.models.backbones.ifn',
    'opencd.models.backbones.hanet',
    'opencd.models.backbones.lightcdnet',
    'opencd.models.utils.builder',
    'opencd.models.utils.interaction_layer',
    'opencd.models.backbones.interaction_resnet',
    'opencd.models.backbones.interaction_resnest',
    'opencd.models.backbones.interaction_mit',
    'opencd.models.decode_heads.changer',
    'opencd.models.necks.farseg_neck',
    'opencd.models.decode_heads.farseg_head',
    'opencd.models.decode_heads.changerstar_head',
    'opencd.models.losses.kd_loss',
    'opencd.models.change_detectors.mtkd',
]


def load_by_path(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_opencd(root: str, scratch: str) -> None:
    """Import open-cd's model modules without its package ``__init__``s."""
    import mmcv
    standin = load_by_path(
        'mmcv_ops_standin',
        osp.join(REPO, 'changefine_mm', 'utils', 'mmcv_ops_standin.py'))
    standin.install_mmcv_ops_standin()
    import mmcv.ops
    cc = load_by_path('_mmcv_cc_attention',
                      osp.join(osp.dirname(mmcv.__file__), 'ops',
                               'cc_attention.py'))
    mmcv.ops.CrissCrossAttention = cc.CrissCrossAttention
    shutil.copytree(osp.join(root, 'opencd'), osp.join(scratch, 'opencd'))
    for folder, _, files in os.walk(osp.join(scratch, 'opencd')):
        if '__init__.py' in files:
            open(osp.join(folder, '__init__.py'), 'w').close()
    sys.path.insert(0, scratch)
    for name in MODULES:
        importlib.import_module(name)
    # open-cd's IFN always asks torchvision for ImageNet VGG-16 weights (a
    # download); they are overwritten by the synthetic weights anyway.
    ifn = sys.modules['opencd.models.backbones.ifn']
    ifn.vgg16 = lambda pretrained: torchvision.models.vgg16(weights=None)


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


def reference_batch():
    from mmseg.structures import SegDataSample
    gen = torch.Generator().manual_seed(SEED)
    size = INPUT_SIZE
    packed = torch.randint(0, 256, (6, size, size), dtype=torch.uint8,
                           generator=gen)
    # The second date differs in a square, as a change would.
    packed[3:, 16:40, 20:44] = torch.randint(
        0, 256, (3, 24, 24), dtype=torch.uint8, generator=gen)
    sample = SegDataSample(metainfo=dict(ori_shape=(size, size),
                                         img_shape=(size, size)))
    return dict(inputs=[packed], data_samples=[sample])


def widest_gap(values: torch.Tensor) -> float:
    """Middle of the widest gap between sorted values in their 35-65 %
    quantile band: a threshold that splits them about evenly and that
    no value is close to."""
    values = values.flatten().sort().values
    low, high = int(0.35 * values.numel()), int(0.65 * values.numel())
    band = values[low:high + 1]
    index = int((band[1:] - band[:-1]).argmax())
    return float((band[index] + band[index + 1]) / 2)


def margin(model, head_logits: torch.Tensor,
           seg_logits: torch.Tensor) -> float:
    if hasattr(model.decode_head, 'distance_threshold'):
        threshold = model.decode_head.distance_threshold
        return float((head_logits - threshold).abs().min())
    if seg_logits.size(0) > 1:
        top2 = seg_logits.topk(2, dim=0).values
        return float((top2[0] - top2[1]).min())
    # One channel: test_step's seg_logits are already sigmoid probabilities.
    threshold = model.decode_head.threshold
    return float((seg_logits - threshold).abs().min())


def make(root: str, family: str, commit: str) -> None:
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from opencd.registry import MODELS
    weights = load_by_path('synthetic_weights',
                           osp.join(HERE, 'synthetic_weights.py'))
    config, overrides = FAMILIES[family]
    cfg = Config.fromfile(osp.join(root, config))
    cfg.merge_from_dict(dict(model=overrides))
    reduce_norms(cfg._cfg_dict)
    out = osp.join(HERE, family)
    os.makedirs(out, exist_ok=True)
    with DefaultScope.overwrite_default_scope('opencd'):
        model = MODELS.build(cfg.model)
    entries = weights.spec_of(model.state_dict())
    model.load_state_dict(weights.synthetic_state_dict(entries, SEED),
                          strict=True)
    model.eval()
    batch = reference_batch()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        head_logits = model(data['inputs'], data['data_samples'],
                            mode='tensor')
        if hasattr(model.decode_head, 'distance_threshold'):
            # STANet thresholds feature distances, whose scale the random
            # weights set: split this pair's distances about evenly.
            threshold = widest_gap(head_logits)
            model.decode_head.distance_threshold = threshold
            cfg.model.decode_head.distance_threshold = threshold
        result = model.test_step(batch)[0]
    ref = dict(packed_inputs_uint8=batch['inputs'][0],
               head_logits=head_logits,
               seg_logits=result.seg_logits.data,
               pred_sem_seg=result.pred_sem_seg.data,
               min_margin=torch.tensor(
                   margin(model, head_logits, result.seg_logits.data)))
    torch.save(ref, osp.join(out, 'reference_io.pt'))
    cfg.dump(osp.join(out, 'config.py'))
    with open(osp.join(out, 'state_dict_spec.json'), 'w') as f:
        json.dump(dict(opencd_commit=commit, opencd_config=config,
                       seed=SEED, entries=entries), f, indent=0)
    changed = result.pred_sem_seg.data.float().mean().item()
    shapes = [tuple(t.shape) for t in (
        head_logits if isinstance(head_logits, tuple) else [head_logits])]
    print(f'{family}: {len(entries)} entries, head {shapes}'
          f', changed {changed:.2f}, min margin {ref["min_margin"]:.2e}')


def labelled_batch():
    """The reference pair twice: with a small (4 %) and a large (50 %)
    changed area, so that two different teachers are used."""
    from mmengine.structures import PixelData
    batch = reference_batch()
    size = INPUT_SIZE
    labels = [torch.zeros(1, size, size, dtype=torch.int64) for _ in '12']
    labels[0][:, 10:23, 10:23] = 1
    labels[1][:, :, :size // 2] = 1
    samples = []
    for label in labels:
        sample = batch['data_samples'][0].clone()
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=batch['inputs'] * 2, data_samples=samples)


def make_distill(root: str, family: str, commit: str) -> None:
    """Reference of an MTKD wrapper: its losses on a labelled batch."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from opencd.registry import MODELS
    weights = load_by_path('synthetic_weights',
                           osp.join(HERE, 'synthetic_weights.py'))
    config, overrides = DISTILL_FAMILIES[family]
    cfg = Config.fromfile(osp.join(root, config))
    overrides = dict(overrides, init_cfg=None, init_cfg_t_l=None,
                     init_cfg_t_m=None, init_cfg_t_s=None)
    cfg.merge_from_dict(dict(model=overrides))
    reduce_norms(cfg._cfg_dict)
    out = osp.join(HERE, family)
    os.makedirs(out, exist_ok=True)
    with DefaultScope.overwrite_default_scope('opencd'):
        model = MODELS.build(cfg.model)
    entries = weights.spec_of(model.state_dict())
    model.load_state_dict(weights.synthetic_state_dict(entries, SEED))
    model.eval()
    batch = labelled_batch()
    with torch.no_grad():
        data = model.data_preprocessor(batch, True)
        losses = model.loss(data['inputs'], data['data_samples'])
    ref = dict(packed_inputs_uint8=torch.stack(batch['inputs']),
               labels=torch.stack(
                   [s.gt_sem_seg.data for s in batch['data_samples']]),
               losses={k: v.detach() for k, v in losses.items()})
    torch.save(ref, osp.join(out, 'reference_io.pt'))
    cfg.dump(osp.join(out, 'config.py'))
    with open(osp.join(out, 'state_dict_spec.json'), 'w') as f:
        json.dump(dict(opencd_commit=commit, opencd_config=config,
                       seed=SEED, entries=entries), f, indent=0)
    print(f'{family}: {len(entries)} entries, losses ' + ', '.join(
        f'{k}={float(v):.4g}' for k, v in losses.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('opencd_root', help='a checkout of likyoo/open-cd')
    parser.add_argument('families', nargs='*',
                        default=sorted(FAMILIES) + sorted(DISTILL_FAMILIES))
    parser.add_argument('--commit', default='unknown',
                        help='the open-cd commit of opencd_root')
    args = parser.parse_intermixed_args()
    torch.set_num_threads(1)
    commit = args.commit
    with tempfile.TemporaryDirectory() as scratch:
        import_opencd(args.opencd_root, scratch)
        for family in args.families:
            build = make_distill if family in DISTILL_FAMILIES else make
            build(args.opencd_root, family, commit)


if __name__ == '__main__':
    main()
