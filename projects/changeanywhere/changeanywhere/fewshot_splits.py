"""Few-shot label fractions as stem lists (ChangeAnywhere's protocol)."""
import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

METHODS = ('systematic', 'random')


def fraction_size(total: int, percent: float) -> int:
    """Pairs kept for ``percent`` % of ``total`` (at least one).

    Rounded to the nearest integer, which gives the published list sizes
    (SYSU-CD: 12000 -> 120/600/1200/2400/6000; SECOND: 2078 ->
    21/104/208/416/1039).
    """
    if not 0 < percent <= 100:
        raise ValueError(f'percent must be in (0, 100], got {percent}')
    return max(1, int(np.floor(total * percent / 100 + 0.5)))


def select_fraction(stems: Sequence[str], percent: float,
                    method: str = 'systematic', seed: int = 0) -> List[str]:
    """Choose ``percent`` % of the stems.

    Args:
        stems (sequence[str]): All training stems.
        percent (float): Share to keep, in percent.
        method (str): 'systematic' takes evenly spaced stems of the sorted
            list (index ``floor(i * N / n)``), which reproduces the
            published SYSU-CD lists (00000, 00100, ... for 1 %);
            'random' takes the first ``n`` of a seeded permutation, so the
            smaller fractions are subsets of the larger ones.
        seed (int): Seed of the permutation ('random').

    Returns:
        list[str]: The chosen stems, sorted.
    """
    if method not in METHODS:
        raise ValueError(f'method must be one of {METHODS}, got {method!r}')
    ordered = sorted(stems)
    if len(set(ordered)) != len(ordered):
        raise ValueError('the stem list has duplicates')
    if not ordered:
        raise ValueError('no stems to choose from')
    count = fraction_size(len(ordered), percent)
    if method == 'systematic':
        picks = [i * len(ordered) // count for i in range(count)]
    else:
        picks = np.random.default_rng(seed).permutation(len(ordered))[:count]
    return sorted(ordered[i] for i in picks)


def list_stems(folder: str, suffix: str = '.png') -> List[str]:
    """Stems of the files with ``suffix`` in ``folder``."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder does not exist: {folder}')
    return sorted(
        name[:-len(suffix)] if suffix else osp.splitext(name)[0]
        for name in os.listdir(folder) if name.endswith(suffix))


def write_fewshot_splits(stems: Sequence[str],
                         out_dir: str,
                         prefix: str,
                         percents: Sequence[float] = (1, 5, 10, 20, 50),
                         method: str = 'systematic',
                         seed: int = 0) -> Dict[float, str]:
    """Write ``<out_dir>/<prefix>-train-<p>%.txt`` for every fraction.

    Args:
        stems (sequence[str]): All training stems.
        out_dir (str): Folder of the lists (``<data_root>/dataset_list``
            in the published configs).
        prefix (str): Dataset tag, e.g. 'sysucd'.
        percents (sequence[float]): Fractions in percent.
        method (str): See :func:`select_fraction`.
        seed (int): See :func:`select_fraction`.

    Returns:
        dict[float, str]: The path written for each fraction.
    """
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for percent in percents:
        chosen = select_fraction(stems, percent, method, seed)
        tag = f'{percent:g}'
        path = osp.join(out_dir, f'{prefix}-train-{tag}%.txt')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(''.join(f'{stem}\n' for stem in chosen))
        written[percent] = path
    return written
