"""Evaluate a trained change detector and optionally draw every pair.

Example:
    python tools/test.py CONFIG CHECKPOINT --show-dir work_dirs/vis
    python tools/test.py CONFIG CHECKPOINT --out work_dirs/pred --tta
"""
import argparse
import os
import os.path as osp
import sys
from typing import List

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from changefine_mm.utils import preflight, set_checkpoint_trust
from changefine_mm.utils.runtime import (adapt_to_machine,
                                         enable_channels_last,
                                         set_test_precision)
from changefine_mm.utils.threads import configure_threads

VIS_HOOK = 'ChangeVisualizationHook'
# mmseg's default TTA model (open-cd configs name it); ChangeTTAModel
# replaces it, see changefine_mm/models/change_detectors/change_tta_model.py
_MMSEG_TTA = ('SegTTAModel', 'mmseg.SegTTAModel')

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
        '--out',
        help='write every pair\'s mask (DIR/masks/NAME.png) and change '
        'probability (DIR/probs/NAME.tif, float32) into this folder')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='average the probabilities over flips and 90-degree rotations '
        '(both dates transformed alike); with a config `tta_pipeline` '
        '(open-cd) over its augmentations instead')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow a checkpoint that needs full unpickling (only for files '
        'you trust: unpickling can run code)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--precision', choices=['fp32', 'bf16'],
                        help='ChangeFine test_cfg.precision (bf16: frozen '
                        'encoders and the rest under bf16 autocast)')
    parser.add_argument(
        '--channels-last', action='store_true',
        help='channels-last batches (data_preprocessor.channels_last): '
        'faster CPU convolutions for FC-EF/FC-Siam-*, SNUNet, BIT, '
        'ChangerEx (docs/baselines.md)')
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


def enable_writing(cfg: Config, out_dir: str) -> None:
    """Write every pair's mask and probability (PredictionWriterHook)."""
    hooks = list(cfg.get('custom_hooks') or [])
    hooks.append(dict(type='PredictionWriterHook', out_dir=out_dir))
    cfg.custom_hooks = hooks


def enable_tta(cfg: Config) -> None:
    """Wrap the model in its TTA model (``ChangeTTAModel`` by default).

    As open-cd's ``tools/test.py --tta``: a config ``tta_pipeline``
    replaces the test pipeline and ``tta_model`` wraps ``model``. Without
    a ``tta_pipeline`` the TTA model flips and rotates the batch itself.
    """
    tta = dict(cfg.get('tta_model') or {})
    if tta.get('type', _MMSEG_TTA[0]) in _MMSEG_TTA:
        tta['type'] = 'ChangeTTAModel'
    tta['module'] = cfg.model
    cfg.model = tta
    if cfg.get('tta_pipeline'):
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def output_lines(cfg: Config, runner: Runner,
                 args: argparse.Namespace) -> List[str]:
    """Where the run's results are, one line each."""
    lines = [f'metrics and log: {runner.log_dir}']
    csv = (cfg.get('test_evaluator') or {}).get('per_image_csv')
    if csv:
        lines.append(f'per-pair scores (CSV): {csv}')
    if args.show_dir:
        lines.append(f'panels: {args.show_dir} (masks in '
                     f'{osp.join(args.show_dir, "masks")})')
    if args.out:
        lines.append(f'masks: {osp.join(args.out, "masks")}, '
                     f'probabilities: {osp.join(args.out, "probs")}')
    return lines


def main() -> None:
    args = parse_args()
    with preflight.exit_on_error():
        preflight.check_config_path(args.config)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    configure_threads(cfg)
    if args.precision:
        set_test_precision(cfg, args.precision)
    if args.channels_last:
        enable_channels_last(cfg)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    with preflight.exit_on_error():
        preflight.check_run(cfg, ('test_dataloader', ), args.checkpoint,
                            initialise=False)
    cfg.load_from = args.checkpoint
    if args.show_dir:
        enable_drawing(cfg, args.show_dir)
    if args.out:
        enable_writing(cfg, args.out)
    set_checkpoint_trust(args.trust_checkpoint)
    adapt_to_machine(cfg, args.launcher, training=False)
    if args.tta:
        enable_tta(cfg)
    runner = Runner.from_cfg(cfg)
    runner.test()
    if runner.rank == 0:
        print('\n'.join(output_lines(cfg, runner, args)))


if __name__ == '__main__':
    main()
