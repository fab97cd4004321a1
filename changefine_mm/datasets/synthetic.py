"""Synthetic building-change pairs for demos, smoke runs and tests.

Each pair shows a smooth, noisy terrain with rectangular "buildings".
Between date A and date B the illumination and sensor noise change (not a
change), some buildings are built and a few are demolished (changes). The
label marks exactly the built and demolished footprints, so a model that
learns the task must ignore radiometric differences: a small version of
what LEVIR-CD asks.
"""
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

ROOF_COLOURS = np.array([[150, 150, 155], [170, 80, 60], [90, 110, 160],
                         [200, 195, 185]], dtype=np.float32)


def _terrain(rng: np.random.Generator, size: int) -> np.ndarray:
    coarse = rng.uniform(0, 1, (4, 4, 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    base = np.array([70, 110, 80], dtype=np.float32)
    return base + 60 * smooth


def _random_boxes(rng: np.random.Generator, size: int, count: int,
                  taken: np.ndarray) -> list:
    boxes = []
    for _ in range(count * 10):
        if len(boxes) == count:
            break
        h, w = rng.integers(size // 12, size // 5, size=2)
        y, x = rng.integers(1, size - max(h, w) - 1, size=2)
        if taken[max(y - 2, 0):y + h + 2, max(x - 2, 0):x + w + 2].any():
            continue
        taken[y:y + h, x:x + w] = True
        boxes.append((y, x, h, w, rng.integers(len(ROOF_COLOURS))))
    return boxes


def _draw(image: np.ndarray, boxes: list) -> None:
    for y, x, h, w, colour in boxes:
        image[y + 2:y + h + 2, x + 2:x + w + 2] *= 0.6  # cast shadow
        image[y:y + h, x:x + w] = ROOF_COLOURS[colour]


def _finish(image: np.ndarray, rng: np.random.Generator,
            gain: np.ndarray) -> np.ndarray:
    noisy = image * gain + rng.normal(0, 6, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def make_pair(rng: np.random.Generator,
              size: int = 128) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw one synthetic pair.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (int): Side length in pixels.

    Returns:
        tuple: RGB date A, RGB date B (both (size, size, 3) uint8) and the
        (size, size) uint8 label with 0 = unchanged, 255 = changed.
    """
    terrain = _terrain(rng, size)
    taken = np.zeros((size, size), dtype=bool)
    kept = _random_boxes(rng, size, int(rng.integers(2, 6)), taken)
    demolished = _random_boxes(rng, size, int(rng.integers(0, 2)), taken)
    built = _random_boxes(rng, size, int(rng.integers(1, 5)), taken)
    image_a = terrain.copy()
    image_b = terrain.copy()
    _draw(image_a, kept + demolished)
    _draw(image_b, kept + built)
    label = np.zeros((size, size), dtype=np.uint8)
    for y, x, h, w, _ in demolished + built:
        label[y:y + h, x:x + w] = 255
    gain_a = rng.uniform(0.9, 1.1, 3)
    gain_b = rng.uniform(0.85, 1.15, 3)
    return (_finish(image_a, rng, gain_a), _finish(image_b, rng, gain_b),
            label)


def write_dataset(root: str,
                  counts: Dict[str, int] = None,
                  size: int = 128,
                  seed: int = 0) -> Dict[str, int]:
    """Write ``<root>/<split>/{A,B,label}/<split>_<i>.png``.

    Args:
        root (str): Output folder.
        counts (dict): Pairs per split. Defaults to 64 train, 8 val,
            8 test.
        size (int): Side length of the images.
        seed (int): Seed; the same seed writes the same files.

    Returns:
        dict: The number of pairs written per split.
    """
    counts = counts or dict(train=64, val=8, test=8)
    rng = np.random.default_rng(seed)
    for split, count in counts.items():
        folders = [osp.join(root, split, name) for name in ('A', 'B',
                                                            'label')]
        for folder in folders:
            os.makedirs(folder, exist_ok=True)
        for i in range(count):
            image_a, image_b, label = make_pair(rng, size)
            name = f'{split}_{i:04d}.png'
            cv2.imwrite(osp.join(folders[0], name), image_a[..., ::-1])
            cv2.imwrite(osp.join(folders[1], name), image_b[..., ::-1])
            cv2.imwrite(osp.join(folders[2], name), label)
    return dict(counts)
