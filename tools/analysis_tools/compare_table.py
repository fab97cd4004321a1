"""Test several change detectors and print one markdown table of scores.

Each entry is a name, a config and a checkpoint; every entry is tested with
its config's test dataloader and evaluator, which must be ``ChangeMetric``
(the configs in ``configs/comparison/`` share one LEVIR-CD pipeline and it).

Example:
    python tools/analysis_tools/compare_table.py \\
        --entry BIT-R18 configs/comparison/bit_r18_levircd.py bit.pth \\
        --entry FC-Siam-diff configs/comparison/fc_siam_diff_levircd.py \\
            fc_siam_diff.pth \\
        --out work_dirs/comparison/table.md
"""
import argparse
import logging
import os
import os.path as osp
import re
import sys
import uuid
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from changefine_mm.utils import set_checkpoint_trust
from changefine_mm.utils.runtime import adapt_to_machine

# Project configs import ``projects.<name>`` (custom_imports); put the
# repository root on the import path as tools/train.py does.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

COLUMNS = ('Precision', 'Recall', 'F1', 'IoU', 'OA')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test change detectors and print a markdown table of '
        'P/R/F1/IoU/OA')
    parser.add_argument(
        '--entry', nargs=3, action='append', required=True,
        metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
        help='one table row; repeat for every model')
    parser.add_argument('--work-dir', default='work_dirs/compare_table',
                        help='logs go to WORK_DIR/<name>')
    parser.add_argument('--out', help='also write the table to this file')
    parser.add_argument('--digits', type=int, default=2,
                        help='decimals of the percentages')
    parser.add_argument('--verbose', action='store_true',
                        help='print the runners\' full logs (config, '
                        'environment, iterations) instead of one line per '
                        'entry')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow checkpoints that need full unpickling (only for files '
        'you trust: unpickling can run code)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override entries of every config, e.g. '
        'test_dataloader.dataset.data_root=data/LEVIR-CD')
    return parser.parse_args(argv)


def _folder_name(name: str) -> str:
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', name)


def load_entry_config(config: str, checkpoint: str, work_dir: str,
                      cfg_options: Optional[dict],
                      verbose: bool = False) -> Config:
    """Read a config and prepare it for testing one checkpoint.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file to test.
        work_dir (str): Folder for this entry's logs.
        cfg_options (dict, optional): Overrides applied to the config.
        verbose (bool): Keep the runner's INFO log (config dump,
            environment, iterations and mmengine's deprecation warnings);
            otherwise only errors.

    Returns:
        Config: The config, ready for ``Runner.from_cfg``.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.launcher = 'none'
    if not verbose:
        cfg.log_level = 'ERROR'
    # Several runners live in this process; mmengine shares loggers and
    # visualizers by name, so each entry gets a name of its own.
    cfg.experiment_name = (f'compare_{osp.basename(work_dir)}_'
                           f'{uuid.uuid4().hex[:8]}')
    if cfg.get('visualizer'):
        cfg.visualizer.name = cfg.experiment_name
    adapt_to_machine(cfg, 'none', training=False)
    return cfg


def pick_scores(name: str, metrics: Dict[str, float]) -> Dict[str, float]:
    """Keep the table's columns of one entry's test metrics.

    Args:
        name (str): Entry name, for the error message.
        metrics (dict): What ``Runner.test()`` returned.

    Returns:
        dict: ``COLUMNS`` -> percentage.
    """
    missing = [key for key in COLUMNS if key not in metrics]
    if missing:
        raise KeyError(
            f'entry {name!r}: the test metrics {sorted(metrics)} lack '
            f'{missing}; set its test_evaluator to ChangeMetric (as the '
            'configs in configs/comparison/ do)')
    return {key: float(metrics[key]) for key in COLUMNS}


def format_table(rows: List[Tuple[str, Dict[str, float]]],
                 digits: int = 2) -> str:
    """Markdown table with one row per entry.

    Args:
        rows (list[tuple[str, dict]]): (name, scores) per entry.
        digits (int): Decimals of the percentages.

    Returns:
        str: The table, header first.
    """
    lines = ['| Model | ' + ' | '.join(f'{c} (%)' for c in COLUMNS) + ' |',
             '|---|' + '---:|' * len(COLUMNS)]
    for name, scores in rows:
        values = ' | '.join(f'{scores[c]:.{digits}f}' for c in COLUMNS)
        lines.append(f'| {name} | {values} |')
    return '\n'.join(lines)


def _warn_if_data_differ(configs: List[Tuple[str, Config]]) -> None:
    first_name, first = configs[0]
    for name, cfg in configs[1:]:
        if cfg.test_dataloader.dataset != first.test_dataloader.dataset:
            print_log(
                f'entries {first_name!r} and {name!r} use different test '
                'datasets or pipelines; their scores are not comparable',
                logger='current', level=logging.WARNING)


def main(argv: Optional[Sequence[str]] = None) -> str:
    """Test every entry and print (and optionally save) the table.

    Args:
        argv (sequence[str], optional): Command-line arguments.

    Returns:
        str: The markdown table.
    """
    args = parse_args(argv)
    set_checkpoint_trust(args.trust_checkpoint)
    configs = [(name,
                load_entry_config(
                    config, checkpoint,
                    osp.join(args.work_dir, _folder_name(name)),
                    args.cfg_options, args.verbose))
               for name, config, checkpoint in args.entry]
    _warn_if_data_differ(configs)
    rows = []
    for index, (name, cfg) in enumerate(configs, 1):
        print(f'[{index}/{len(configs)}] testing {name} ({cfg.load_from})',
              file=sys.stderr, flush=True)
        metrics = Runner.from_cfg(cfg).test()
        rows.append((name, pick_scores(name, metrics)))
    table = format_table(rows, args.digits)
    print(table)
    if args.out:
        folder = osp.dirname(args.out)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    return table


if __name__ == '__main__':
    main()
