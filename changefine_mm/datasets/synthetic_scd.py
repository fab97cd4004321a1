"""Synthetic semantic-change pairs in SECOND's layout, for demos and tests.

Each date is a blocky land-cover map of SECOND's six classes (water,
ground, low vegetation, tree, building, sports field) rendered with one
colour per class, illumination gain and sensor noise. Between the dates a
few rectangles change class. As in SECOND, the semantic maps ``label1``
and ``label2`` hold the class of each date only where something changed
(0 = unchanged elsewhere), and ``label`` is the binary change (0/255).
"""
import os
import os.path as osp
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

# Surface colour (RGB) of each land-cover class 1..6 in the images.
SURFACE_RGB = np.array([[40, 70, 140], [150, 130, 100], [120, 170, 90],
                        [40, 100, 40], [190, 80, 70], [200, 120, 120]],
                       dtype=np.float32)


def _land_cover(rng: np.random.Generator, size: int,
                classes: int) -> np.ndarray:
    cells = max(2, size // 16)
    coarse = rng.integers(1, classes + 1, (cells, cells), dtype=np.uint8)
    return cv2.resize(coarse, (size, size), interpolation=cv2.INTER_NEAREST)


def _render(cover: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    image = SURFACE_RGB[cover - 1] * rng.uniform(0.9, 1.1, 3)
    image = image + rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def make_scd_pair(rng: np.random.Generator,
                  size: int = 64,
                  classes: int = 6) -> Tuple[np.ndarray, ...]:
    """Draw one pair with its semantic change maps.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (int): Side length in pixels.
        classes (int): Land-cover classes (1..classes; at most 6).

    Returns:
        tuple: RGB date A, RGB date B, binary label (0/255), semantic map
        of date A and of date B (0 where unchanged, else the class).
    """
    cover_a = _land_cover(rng, size, classes)
    cover_b = cover_a.copy()
    for _ in range(int(rng.integers(1, 4))):
        h, w = rng.integers(size // 8, size // 3, size=2)
        y, x = rng.integers(0, size - max(h, w), size=2)
        shift = rng.integers(1, classes)
        region = cover_b[y:y + h, x:x + w]
        cover_b[y:y + h, x:x + w] = (region - 1 + shift) % classes + 1
    changed = cover_a != cover_b
    label_a = np.where(changed, cover_a, 0).astype(np.uint8)
    label_b = np.where(changed, cover_b, 0).astype(np.uint8)
    return (_render(cover_a, rng), _render(cover_b, rng),
            changed.astype(np.uint8) * 255, label_a, label_b)


def write_scd_dataset(root: str,
                      counts: Optional[Dict[str, int]] = None,
                      size: int = 64,
                      seed: int = 0,
                      palette: Optional[np.ndarray] = None
                      ) -> Dict[str, int]:
    """Write ``<root>/<split>/{im1,im2,label,label1,label2}/<name>.png``.

    Args:
        root (str): Output folder.
        counts (dict, optional): Pairs per split. Defaults to 8 train,
            2 val, 2 test.
        size (int): Side length of the images.
        seed (int): Seed; the same seed writes the same files.
        palette (np.ndarray, optional): RGB colour per class index. When
            given, ``label1``/``label2`` are written as colour images
            (SECOND's release) and no ``label`` folder is written;
            otherwise as class-index PNGs (open-cd's layout).

    Returns:
        dict: The number of pairs written per split.
    """
    counts = counts or dict(train=8, val=2, test=2)
    rng = np.random.default_rng(seed)
    names = ['im1', 'im2', 'label', 'label1', 'label2']
    for split, count in counts.items():
        for folder in names:
            if palette is None or folder != 'label':
                os.makedirs(osp.join(root, split, folder), exist_ok=True)
        for i in range(count):
            arrays = list(make_scd_pair(rng, size))
            arrays[0], arrays[1] = arrays[0][..., ::-1], arrays[1][..., ::-1]
            if palette is not None:
                colours = np.asarray(palette, np.uint8)
                arrays[3] = colours[arrays[3]][..., ::-1]
                arrays[4] = colours[arrays[4]][..., ::-1]
            for folder, array in zip(names, arrays):
                if palette is not None and folder == 'label':
                    continue
                path = osp.join(root, split, folder, f'{split}_{i:04d}.png')
                if not cv2.imwrite(path, np.ascontiguousarray(array)):
                    raise OSError(f'cannot write {path}')
    return dict(counts)
