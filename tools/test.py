"""Evaluate a trained change detector and optionally draw every pair.

Example:
    python tools/test.py CONFIG CHECKPOINT --show-dir work_dirs/vis
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from changefine_mm.utils import set_checkpoint_trust
from changefine_mm.utils.runtime import adapt_to_machine
from changefine_mm.utils.threads import configure_threads

VIS_HOOK = 'ChangeVisualizationHook'

# Project configs import ``projects.<name>`` (custom_imports); like
# dist_train.sh, put the repository root on the import path.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a change detector')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='folder for the logs and metrics')
    parser.add_argument(
        '--show-dir',
        help='write A | B | TP/FP/FN overlay panels and masks of every '
        'test pair into this folder')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow a checkpoint that needs full unpickling (only for files '
        'you trust: unpickling can run code)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_drawing(cfg: Config, show_dir: str) -> None:
    """Turn on the change visualisation hook for every test pair."""
    hooks = cfg.setdefault('default_hooks', {})
    hook = dict(hooks.get('visualization') or {})
    if hook.get('type') not in (VIS_HOOK, 'CDVisualizationHook',
                                f'changefine_mm.{VIS_HOOK}'):
        hook = dict(type=VIS_HOOK)
    hook.update(draw=True, interval=1, out_dir=show_dir)
    hooks['visualization'] = hook


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
    cfg.load_from = args.checkpoint
    if args.show_dir:
        enable_drawing(cfg, args.show_dir)
    set_checkpoint_trust(args.trust_checkpoint)
    adapt_to_machine(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.test()


if __name__ == '__main__':
    main()
