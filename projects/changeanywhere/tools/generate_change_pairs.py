"""Generate bi-temporal change pairs from a single-date semantic dataset.

Examples:
    python projects/changeanywhere/tools/generate_change_pairs.py \
        projects/changeanywhere/configs/generators/\
region_replacement_loveda.py --out data/loveda_changes --seed 0
    # any image folder + class-map folder:
    python projects/changeanywhere/tools/generate_change_pairs.py \
        projects/changeanywhere/configs/generators/\
region_replacement_folders.py --out data/my_changes \
        --cfg-options source.image_dir=imgs source.label_dir=maps
"""
import argparse
import importlib
import os.path as osp
import sys

from mmengine.config import Config, DictAction

# Run from anywhere: the generator lives in projects/, next to the package.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__))))))

from projects.changeanywhere.changeanywhere import \
    generate_change_dataset  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='generator config (source, bank, '
                        'editor, synthesizer, variation)')
    parser.add_argument('--out', required=True, help='output root')
    parser.add_argument('--split', default='train',
                        help='output split folder (default: train)')
    parser.add_argument('--seed', type=int, default=0,
                        help='same seed + config = same files')
    parser.add_argument('--pairs-per-image', type=int, default=1)
    parser.add_argument('--limit', type=int,
                        help='use only the first N source samples')
    parser.add_argument(
        '--import', dest='imports', nargs='+', default=[],
        help='modules to import first, e.g. one that registers a learned '
        'synthesizer in changefine_mm.registry.TASK_UTILS')
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    for module in args.imports:
        importlib.import_module(module)
    summary = generate_change_dataset(
        cfg.to_dict(), args.out, split=args.split, seed=args.seed,
        pairs_per_image=args.pairs_per_image, limit=args.limit,
        progress=not args.no_progress)
    print(f'\nwrote {summary["pairs"]} pairs to '
          f'{osp.join(args.out, args.split)} (mean changed share '
          f'{summary["mean_changed_share"]:.3f}, classes '
          f'{summary["classes"]})')


if __name__ == '__main__':
    main()
