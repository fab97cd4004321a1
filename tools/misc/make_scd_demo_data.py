"""Write the small synthetic semantic-change dataset used by the SCD demo.

Example:
    python tools/misc/make_scd_demo_data.py data/demo_scd
    python tools/misc/make_scd_demo_data.py data/demo_scd_colour --colour
"""
import argparse

import numpy as np

from changefine_mm.datasets import SECONDDataset
from changefine_mm.datasets.synthetic_scd import write_scd_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder, e.g. data/demo_scd')
    parser.add_argument('--train', type=int, default=32)
    parser.add_argument('--val', type=int, default=4)
    parser.add_argument('--test', type=int, default=4)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--colour', action='store_true',
                        help="write label1/label2 in SECOND's colours and "
                        'no binary label folder, as SECOND is released')
    args = parser.parse_args()
    palette = np.array(SECONDDataset.METAINFO['semantic_palette']) \
        if args.colour else None
    counts = write_scd_dataset(
        args.root,
        dict(train=args.train, val=args.val, test=args.test),
        size=args.size,
        seed=args.seed,
        palette=palette)
    print(f'wrote {counts} pairs of {args.size}x{args.size} to {args.root}')


if __name__ == '__main__':
    main()
