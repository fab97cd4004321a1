"""Write SECOND's binary change maps (bcd) from its semantic label1 maps.

SECOND's ``label1``/``label2`` colour the changed pixels by their class
and leave unchanged pixels white (or, in index versions, hold 0 for
unchanged and 1..6 for the classes); ChangeAnywhere's SECOND-as-binary
setup reads ``<split>/bcd`` with 255 where a pixel changed::

    python projects/changeanywhere/tools/second_to_bcd.py data/SECOND \
        --splits train test
"""
import argparse
import os
import os.path as osp
from typing import Sequence

import cv2
import numpy as np


def write_bcd(root: str, split: str, unchanged: Sequence[int]) -> int:
    """Convert every ``<root>/<split>/label1/*.png`` into ``bcd``.

    Args:
        root (str): SECOND root.
        split (str): Split folder.
        unchanged (sequence[int]): RGB colour of unchanged pixels in
            colour maps (index maps use 0).

    Returns:
        int: Number of maps written.

    Raises:
        FileNotFoundError: If the split has no label1 folder.
    """
    src = osp.join(root, split, 'label1')
    if not osp.isdir(src):
        raise FileNotFoundError(f'{src} does not exist: give the SECOND root '
                                'holding <split>/label1')
    dst = osp.join(root, split, 'bcd')
    os.makedirs(dst, exist_ok=True)
    names = sorted(n for n in os.listdir(src) if n.endswith('.png'))
    bgr = np.array(unchanged[::-1], np.uint8)
    for name in names:
        label = cv2.imread(osp.join(src, name), cv2.IMREAD_UNCHANGED)
        if label is None:
            raise ValueError(f'cannot read {osp.join(src, name)}')
        if label.ndim == 2:  # class indices, 0 = unchanged
            changed = label != 0
        else:
            changed = np.any(label[..., :3] != bgr, axis=2)
        cv2.imwrite(osp.join(dst, name), changed.astype(np.uint8) * 255)
    return len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='SECOND root with <split>/label1')
    parser.add_argument('--splits', nargs='+', default=['train', 'test'])
    parser.add_argument('--unchanged-color', type=int, nargs=3,
                        default=[255, 255, 255], metavar=('R', 'G', 'B'),
                        help='colour of unchanged pixels in label1')
    args = parser.parse_args()
    for split in args.splits:
        count = write_bcd(args.root, split, args.unchanged_color)
        print(f'{split}: {count} maps in {osp.join(args.root, split, "bcd")}')


if __name__ == '__main__':
    main()
