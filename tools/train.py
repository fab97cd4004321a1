"""Train a change detector from a config.

Example:
    python tools/train.py configs/fcsn/fc_siam_diff_demo.py
    python tools/train.py CONFIG --resume        # continue the last run
    python tools/train.py CONFIG --resume auto   # continue, or start anew
    python tools/train.py CONFIG --resume work_dirs/x/iter_400.pth
    python tools/train.py CONFIG --force         # new run over an old one

Resume rules: changefine_mm/engine/resume_target.py, docs/checkpoints.md.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from changefine_mm.engine.exact_resume_hook import ensure_exact_resume
from changefine_mm.engine.resume_target import (ResumeError, check_new_run,
                                                find_resume_checkpoint)
from changefine_mm.utils import set_checkpoint_trust
from changefine_mm.utils.threads import configure_threads
from changefine_mm.utils import preflight
from changefine_mm.utils.runtime import (adapt_to_machine, enable_amp,
                                         enable_channels_last,
                                         ensure_safe_checkpoints)

# Project configs import ``projects.<name>`` (custom_imports); like
# dist_train.sh, put the repository root on the import path.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a change detector')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints '
                        '(default: work_dirs/<config name>)')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='last',
        metavar='auto|CHECKPOINT',
        help='continue the run in the work dir from its last checkpoint '
        '(an error if there is none); "auto": the same, or start a new run '
        'when the work dir has no checkpoint; a path: resume that file')
    parser.add_argument(
        '--force',
        action='store_true',
        help='start a new run even if the work dir holds checkpoints of an '
        'earlier run (they are overwritten as this run reaches them)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: float16 AMP on GPU, '
                        'bfloat16 autocast on CPU (ChangeFine: frozen '
                        'encoders in bf16 too)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow loading checkpoints that need full unpickling (only '
        'for files you trust: unpickling can run code)')
    parser.add_argument(
        '--channels-last', action='store_true',
        help='channels-last batches (data_preprocessor.channels_last): '
        'faster CPU convolutions for FC-EF/FC-Siam-*, SNUNet, BIT '
        '(docs/baselines.md)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def choose_resume(cfg: Config, resume: Optional[str], force: bool) -> None:
    """Set ``cfg.resume``/``cfg.load_from`` for ``--resume``/``--force``.

    Args:
        cfg (Config): The config (``work_dir`` set), changed in place.
        resume (str, optional): The ``--resume`` value.
        force (bool): ``--force``.

    Raises:
        SystemExit: ``error: <message>`` when the work dir and the options
            disagree (see :mod:`changefine_mm.engine.resume_target`).
    """
    try:
        checkpoint = find_resume_checkpoint(cfg.work_dir, resume)
        if checkpoint is None:
            check_new_run(cfg.work_dir, force)
    except ResumeError as err:
        raise SystemExit(f'error: {err}') from None
    cfg.resume = checkpoint is not None
    if cfg.resume:
        cfg.load_from = checkpoint


def main() -> None:
    args = parse_args()
    with preflight.exit_on_error():
        preflight.check_config_path(args.config)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    configure_threads(cfg)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    if args.channels_last:
        enable_channels_last(cfg)
    set_checkpoint_trust(args.trust_checkpoint)
    choose_resume(cfg, args.resume, args.force)
    ensure_safe_checkpoints(cfg)
    ensure_exact_resume(cfg)
    with preflight.exit_on_error():
        preflight.check_run(
            cfg, ('train_dataloader', 'val_dataloader'),
            None if args.resume else cfg.get('load_from'))
    adapt_to_machine(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.train()
    if runner.rank == 0:
        print(f'checkpoints: {runner.work_dir}; log and scalars: '
              f'{runner.log_dir}; curves: python '
              f'tools/analysis_tools/plot_curves.py {runner.work_dir}')


if __name__ == '__main__':
    main()
