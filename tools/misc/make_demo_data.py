"""Write the small synthetic change-detection dataset used by the demo.

Example:
    python tools/misc/make_demo_data.py data/demo_cd
"""
import argparse

from changefine_mm.datasets.synthetic import write_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder, e.g. data/demo_cd')
    parser.add_argument('--train', type=int, default=64)
    parser.add_argument('--val', type=int, default=8)
    parser.add_argument('--test', type=int, default=8)
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = write_dataset(
        args.root,
        dict(train=args.train, val=args.val, test=args.test),
        size=args.size,
        seed=args.seed)
    print(f'wrote {counts} pairs of {args.size}x{args.size} to {args.root}')


if __name__ == '__main__':
    main()
