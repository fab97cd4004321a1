"""Write generated change pairs in the changefine_mm folder layout."""
import json
import os
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmengine.registry import DefaultScope
from mmengine.utils import ProgressBar

from .change_pair_generator import ChangePair, ChangePairGenerator
from .class_donor_bank import ClassDonorBank
from .semantic_sources import list_source

FOLDERS = dict(image_a='A', image_b='B', label='label',
               semantic_a='semantic_A', semantic_b='semantic_B')


def pair_rng(seed: int, index: int, repeat: int) -> np.random.Generator:
    """The generator of one output pair.

    Seeding from (seed, sample, repeat) instead of one running stream makes
    every pair independent of the others: a subset (``limit``) or another
    order gives the same files for the same pairs.
    """
    return np.random.default_rng([seed, index, repeat])


def write_pair(root: str, name: str, pair: ChangePair) -> None:
    """Write A, B, label (0/255) and both class maps as PNG files.

    Args:
        root (str): The split folder (``<out>/<split>``).
        name (str): File stem.
        pair (ChangePair): The pair.
    """
    arrays = dict(image_a=pair.image_a, image_b=pair.image_b,
                  label=pair.label * 255, semantic_a=pair.semantic_a,
                  semantic_b=pair.semantic_b)
    for key, folder in FOLDERS.items():
        path = osp.join(root, folder, f'{name}.png')
        if not cv2.imwrite(path, arrays[key]):
            raise OSError(f'cannot write {path}')


def generate_change_dataset(cfg: dict,
                            out_dir: str,
                            split: str = 'train',
                            seed: int = 0,
                            pairs_per_image: int = 1,
                            limit: Optional[int] = None,
                            progress: bool = True) -> dict:
    """Generate ``<out_dir>/<split>/{A,B,label,semantic_A,semantic_B}``.

    Args:
        cfg (dict): Generator config with ``source`` (arguments of
            :func:`list_source`), ``bank`` (of :class:`ClassDonorBank`),
            ``editor``, ``synthesizer``, ``variation`` and ``swap_prob``.
        out_dir (str): Output root.
        split (str): Output split name. Defaults to 'train'.
        seed (int): Seed; the same seed and config write the same files.
        pairs_per_image (int): Pairs generated from each source sample.
        limit (int, optional): Use only the first ``limit`` samples.
        progress (bool): Show a progress bar.

    Returns:
        dict: Summary (pairs written, mean changed share, output folder).
    """
    samples = list_source(**cfg['source'])[:limit]
    bank = ClassDonorBank(samples, **cfg.get('bank', {}))
    if len(bank.classes) < 2:
        raise ValueError(f'the source has {len(bank.classes)} usable '
                         'class(es); changes need at least two')
    with DefaultScope.overwrite_default_scope('changefine_mm'):
        generator = ChangePairGenerator(
            bank, cfg['editor'], cfg['synthesizer'], cfg.get('variation'),
            cfg.get('swap_prob', 0.5))
    root = osp.join(out_dir, split)
    for folder in FOLDERS.values():
        os.makedirs(osp.join(root, folder), exist_ok=True)
    bar = ProgressBar(len(samples) * pairs_per_image) if progress else None
    shares = []
    for index, sample in enumerate(samples):
        for repeat in range(pairs_per_image):
            pair = generator.generate(index, pair_rng(seed, index, repeat))
            name = sample.name if pairs_per_image == 1 else \
                f'{sample.name}_{repeat}'
            write_pair(root, name, pair)
            shares.append(float(pair.label.mean()))
            if bar is not None:
                bar.update()
    summary = dict(pairs=len(shares), split=split, out_dir=out_dir,
                   seed=seed, mean_changed_share=float(np.mean(shares)),
                   classes=bank.classes)
    with open(osp.join(root, 'generation.json'), 'w') as f:
        json.dump(dict(summary, config=cfg), f, indent=2, default=str)
    return summary
