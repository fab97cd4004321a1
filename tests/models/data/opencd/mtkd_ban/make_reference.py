"""Make the DistillBAN differential reference of
tests/models/test_opencd_mtkd_ban.py.

Runs open-cd's real MTKD code (``DistillBAN`` in
``opencd/models/change_detectors/mtkd.py``) on its
``mtkd-ban_vit-b16-clip_mit-b0`` config, reduced like the BAN references
(``../ban/make_reference.py``: tiny CLIP-arranged ViT, the config's own
MiT-b0 side encoder and MLP decoder), with the student's foundation model
reading 32x32 images (``encoder_resolution``) while the teachers read the
64x64 pair at full resolution, as open-cd's do. The synthetic weights fill
the student and the three teachers in state-dict order, so the teachers
differ. The labelled batch of ``../make_references.py`` (4 % and 50 %
changed) goes to the small and the large teacher.

Written to this folder besides ``config.py`` and ``state_dict_spec.json``:
``reference_io.pt`` with ``packed_inputs_uint8`` (2, 6, 64, 64),
``labels`` (2, 1, 64, 64), ``losses`` (the model in eval mode: no
dropout), ``student_logits`` / ``teacher_logits`` (the two inputs of the
distillation loss), and the student's ``seg_logits`` and ``pred_sem_seg``
of ``test_step`` on the first pair.

Usage (mmpretrain 1.2.0 importable for ``mmpretrain.LN2d``, see
``../make_references.py``)::

    PYTHONPATH=/path/to/mmpretrain-target \
    python tests/models/data/opencd/mtkd_ban/make_reference.py \
        /path/to/open-cd --commit SHA
"""
import argparse
import importlib.util
import os.path as osp
import tempfile

import torch

HERE = osp.dirname(osp.abspath(__file__))
FAMILY = 'mtkd_ban'
CONFIG = ('configs/mtkd/step3/'
          'mtkd-ban_vit-b16-clip_mit-b0_512x512_200k_jl1cd.py')
STUDENT_RESOLUTION = (32, 32)


def load_script(path: str):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0] + '_' +
        osp.basename(osp.dirname(path)), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def capture_distill_inputs(model) -> dict:
    """Record the (student, teacher) logits the distillation loss sees."""
    seen = {}

    def hook(module, args, output):
        seen['student_logits'], seen['teacher_logits'] = (
            a.detach().clone() for a in args)

    model.distill_loss.register_forward_hook(hook)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('opencd_root', help='a checkout of likyoo/open-cd')
    parser.add_argument('--commit', default='unknown',
                        help='the open-cd commit of opencd_root')
    args = parser.parse_args()
    parent = osp.dirname(HERE)
    refs = load_script(osp.join(parent, 'make_references.py'))
    ban = load_script(osp.join(parent, 'ban', 'make_reference.py'))
    overrides = dict(ban.FAMILIES['ban/mit_b0'][1],
                     encoder_resolution=dict(size=STUDENT_RESOLUTION,
                                             mode='bilinear'))
    refs.DISTILL_FAMILIES[FAMILY] = (CONFIG, overrides)
    refs.MODULES.extend(ban.MODULES)
    torch.set_num_threads(1)
    seen = {}
    with tempfile.TemporaryDirectory() as scratch:
        refs.import_opencd(args.opencd_root, scratch)
        from opencd.registry import MODELS
        original = MODELS.build

        def build_and_hook(cfg, *a, **kw):
            model = original(cfg, *a, **kw)
            if cfg.get('type') == 'DistillBAN':
                seen.update(model=model,
                            capture=capture_distill_inputs(model))
            return model

        MODELS.build = build_and_hook
        refs.make_distill(args.opencd_root, FAMILY, args.commit)
        MODELS.build = original
        with torch.no_grad():
            result = seen['model'].test_step(refs.reference_batch())[0]
    path = osp.join(HERE, 'reference_io.pt')
    ref = torch.load(path, weights_only=True)
    ref.update(seen['capture'], seg_logits=result.seg_logits.data,
               pred_sem_seg=result.pred_sem_seg.data)
    torch.save(ref, path)
    top2 = result.seg_logits.data.topk(2, dim=0).values
    print('distillation inputs', {k: tuple(v.shape)
                                  for k, v in seen['capture'].items()},
          f'student mask margin {float((top2[0] - top2[1]).min()):.2e}')


if __name__ == '__main__':
    main()
