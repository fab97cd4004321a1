"""Write the few-shot stem lists (1/5/10/20/50 % of the training pairs).

Example (SYSU-CD, published layout ``SYSU-CD/dataset_list/``):
    python projects/changeanywhere/tools/make_fewshot_splits.py \
        data/SYSU-CD --image-dir train/time1 --prefix sysucd
"""
import argparse
import os.path as osp
import sys

sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__))))))

from projects.changeanywhere.changeanywhere import (  # noqa: E402
    list_stems, write_fewshot_splits)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='dataset root')
    parser.add_argument('--image-dir', default='train/A',
                        help='folder of the training images, relative to '
                        'data_root (default: train/A)')
    parser.add_argument('--suffix', default='.png', help='image suffix')
    parser.add_argument('--prefix', required=True,
                        help='list name prefix, e.g. sysucd')
    parser.add_argument('--out-dir', default='dataset_list',
                        help='relative to data_root (default: dataset_list)')
    parser.add_argument('--percents', type=float, nargs='+',
                        default=[1, 5, 10, 20, 50])
    parser.add_argument('--method', choices=['systematic', 'random'],
                        default='systematic',
                        help='systematic = evenly spaced sorted stems (the '
                        'published SYSU-CD lists); random = seeded, nested')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    stems = list_stems(osp.join(args.data_root, args.image_dir), args.suffix)
    written = write_fewshot_splits(
        stems, osp.join(args.data_root, args.out_dir), args.prefix,
        args.percents, args.method, args.seed)
    for percent, path in written.items():
        print(f'{percent:g}%: {path}')


if __name__ == '__main__':
    main()
