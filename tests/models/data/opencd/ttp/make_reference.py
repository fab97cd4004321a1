"""Make the TTP differential reference of tests/models/test_ttp.py.

Runs open-cd's real Time Travelling Pixels code (``ttp.py``,
``ttp_layer.py``, ``vit_sam.py``, ``vit_tuner.py``, ``simple_fpn.py``,
``sequential_neck.py``, ``mlpseg_head.py``) through
``../make_references.py`` (same seeded 64x64 pair, synthetic weights and
files) on open-cd's ``configs/ttp/ttp_vit-sam-l_512x512_300e_levircd.py``
with the SAM-L encoder reduced to 32 channels, 4 layers (two global, two
windowed with time fusion and a 3x3 window that needs padding), 2 heads,
the pyramid and head to 16 channels and ``mode='whole'`` testing; LoRA
(r=16, on ``qkv``, ``bias='lora_only'``) as in the config. The synthetic
weights also fill the LoRA matrices (peft starts ``lora_B`` at zero), so
the adapters take part; the class bias is calibrated (see :func:`make`)
and the weights are saved as ``checkpoint.pth``. Needs mmpretrain 1.2.0
and peft 0.21.2 importable (``pip install "changefine-mm[ttp]"``).
It also records the layout of the full-size model
(``state_dict_spec_full.json``) and, under ``mtkd/``, the training losses
of open-cd's ``DistillTimeTravellingPixels`` (MTKD step-3 config, same
reduction) on the labelled batch of ``../make_references.py``.

Usage::

    python tests/models/data/opencd/ttp/make_reference.py /path/to/open-cd \
        --commit SHA
"""
import argparse
import copy
import importlib.util
import json
import os.path as osp
import tempfile

import torch

HERE = osp.dirname(osp.abspath(__file__))

TINY_SAM = dict(
    arch=dict(_delete_=True, embed_dims=32, num_layers=4, num_heads=2,
              feedforward_channels=64, global_attn_indexes=[1, 3]),
    img_size=(64, 64), out_channels=16, window_size=3, init_cfg=None)
# SimpleFPN is the second of the SequentialNeck's necks.
TINY_FPN = dict(backbone_channel=32, in_channels=[8, 16, 32, 32],
                out_channels=16)
FAMILIES = {
    'ttp': ('configs/ttp/ttp_vit-sam-l_512x512_300e_levircd.py',
            dict(backbone=dict(encoder_cfg=TINY_SAM),
                 neck=dict(necks={'1': TINY_FPN}),
                 decode_head=dict(in_channels=[16] * 5, channels=16),
                 test_cfg=dict(_delete_=True, mode='whole'))),
}
# DistillTimeTravellingPixels (open-cd's mtkd.py): the training losses of
# ../make_references.py's labelled batch (model in eval mode), under
# ttp/mtkd/.
DISTILL_FAMILIES = {
    'ttp/mtkd': ('configs/mtkd/step3/mtkd-ttp_vit-sam-l_512x512_300e_jl1cd.py',
                 dict(copy.deepcopy(FAMILIES['ttp'][1]), init_cfg=None)),
}
MODULES = [
    'opencd.models.utils.ttp_layer',
    'opencd.models.backbones.vit_sam',
    'opencd.models.backbones.vit_tuner',
    'opencd.models.necks.simple_fpn',
    'opencd.models.necks.sequential_neck',
    'opencd.models.decode_heads.mlpseg_head',
    'opencd.models.change_detectors.ttp',
]


def make(refs, root: str, commit: str) -> None:
    """``refs.make`` with a calibrated class bias, saving the checkpoint.

    Random weights give one class everywhere (the class logits' difference
    is 0.3 to 6 on this pair); shifting ``conv_seg``'s bias by the widest
    gap in the middle band of that difference splits the pixels about
    evenly, far from the boundary. The weights then differ from the
    synthetic ones, so open-cd's state dict is saved as ``checkpoint.pth``
    (mmengine layout), which the test loads strictly.
    """
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import save_checkpoint
    from opencd.registry import MODELS
    config, overrides = FAMILIES['ttp']
    cfg = Config.fromfile(osp.join(root, config))
    cfg.merge_from_dict(dict(model=overrides))
    refs.reduce_norms(cfg._cfg_dict)
    weights = refs.load_by_path(
        'synthetic_weights', osp.join(osp.dirname(HERE),
                                      'synthetic_weights.py'))
    with DefaultScope.overwrite_default_scope('opencd'):
        model = MODELS.build(cfg.model)
    entries = weights.spec_of(model.state_dict())
    model.load_state_dict(weights.synthetic_state_dict(entries, refs.SEED),
                          strict=True)
    model.eval()
    batch = refs.reference_batch()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        logits = model.test_step(batch)[0].seg_logits.data
        model.decode_head.conv_seg.bias[0] += refs.widest_gap(
            logits[1] - logits[0])
        head_logits = model(data['inputs'], data['data_samples'],
                            mode='tensor')
        result = model.test_step(batch)[0]
    seg_logits = result.seg_logits.data
    ref = dict(packed_inputs_uint8=batch['inputs'][0],
               head_logits=head_logits, seg_logits=seg_logits,
               pred_sem_seg=result.pred_sem_seg.data,
               min_margin=torch.tensor(
                   refs.margin(model, head_logits, seg_logits)))
    torch.save(ref, osp.join(HERE, 'reference_io.pt'))
    save_checkpoint(dict(meta=dict(opencd_commit=commit),
                         state_dict=model.state_dict()),
                    osp.join(HERE, 'checkpoint.pth'))
    cfg.dump(osp.join(HERE, 'config.py'))
    with open(osp.join(HERE, 'state_dict_spec.json'), 'w') as f:
        json.dump(dict(opencd_commit=commit, opencd_config=config,
                       seed=refs.SEED, entries=entries), f, indent=0)
    changed = result.pred_sem_seg.data.float().mean().item()
    print(f'ttp: {len(entries)} entries, head {tuple(head_logits.shape)}, '
          f'changed {changed:.2f}, min margin {ref["min_margin"]:.2e}')


def full_size_spec(refs, root: str, commit: str) -> None:
    """State-dict layout and trainable-parameter count of open-cd's
    full-size TTP (SAM ViT-L, 512x512), as ``state_dict_spec_full.json``
    (no weights: 353 M parameters)."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from opencd.registry import MODELS
    config = FAMILIES['ttp'][0]
    cfg = Config.fromfile(osp.join(root, config))
    cfg.model.backbone.encoder_cfg.init_cfg = None  # no SAM download
    refs.reduce_norms(cfg._cfg_dict)
    weights = refs.load_by_path(
        'synthetic_weights', osp.join(osp.dirname(HERE),
                                      'synthetic_weights.py'))
    with DefaultScope.overwrite_default_scope('opencd'):
        model = MODELS.build(cfg.model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    entries = weights.spec_of(model.state_dict())
    with open(osp.join(HERE, 'state_dict_spec_full.json'), 'w') as f:
        json.dump(dict(opencd_commit=commit, opencd_config=config,
                       trainable_parameters=trainable, entries=entries), f)
    print(f'ttp full size: {len(entries)} entries, {trainable} trainable')


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
    refs.MODULES.extend(MODULES)
    refs.DISTILL_FAMILIES.update(DISTILL_FAMILIES)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as scratch:
        refs.import_opencd(args.opencd_root, scratch)
        make(refs, args.opencd_root, args.commit)
        full_size_spec(refs, args.opencd_root, args.commit)
        for family in DISTILL_FAMILIES:
            refs.make_distill(args.opencd_root, family, args.commit)


if __name__ == '__main__':
    main()
