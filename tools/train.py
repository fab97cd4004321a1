"""Train a change detector from a config.

Example:
    python tools/train.py configs/fcsn/fc_siam_diff_demo.py
    python tools/train.py CONFIG --resume        # continue the last run
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from changefine_mm.utils import set_checkpoint_trust
from changefine_mm.utils.threads import configure_threads
from changefine_mm.utils.runtime import (adapt_to_machine, enable_amp,
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
        action='store_true',
        help='resume from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed-precision training (GPU only)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow loading checkpoints that need full unpickling (only '
        'for files you trust: unpickling can run code)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
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
    cfg.resume = args.resume
    set_checkpoint_trust(args.trust_checkpoint)
    ensure_safe_checkpoints(cfg)
    adapt_to_machine(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
