"""A tiny single-date semantic dataset written on the fly."""
import os
import os.path as osp

import cv2
import numpy as np

# BGR colour of each class (0 = no-data).
CLASS_COLOURS = np.array([[0, 0, 0], [60, 140, 60], [200, 200, 200],
                          [40, 90, 120], [40, 120, 200]], dtype=np.float32)


def write_semantic_folders(root: str, count: int = 5, size: int = 64,
                           seed: int = 0) -> tuple:
    """Write ``<root>/images`` and ``<root>/labels`` (class ids 0..4).

    Returns:
        tuple[str, str]: The image and label folders.
    """
    rng = np.random.default_rng(seed)
    images, labels = osp.join(root, 'images'), osp.join(root, 'labels')
    os.makedirs(images, exist_ok=True)
    os.makedirs(labels, exist_ok=True)
    for i in range(count):
        classes = np.full((size, size), 1, np.uint8)
        for cls in (2, 3, 4, 2, 3, 4):
            y, x = rng.integers(0, size - 12, 2)
            h, w = rng.integers(8, size // 2, 2)
            classes[y:y + h, x:x + w] = cls
        classes[:4, :4] = 0
        image = CLASS_COLOURS[classes] + rng.normal(0, 8, (size, size, 3))
        cv2.imwrite(osp.join(images, f'tile{i}.png'),
                    np.clip(image, 0, 255).astype(np.uint8))
        cv2.imwrite(osp.join(labels, f'tile{i}.png'), classes)
    return images, labels


def generator_cfg(images: str, labels: str, **overrides) -> dict:
    """A generator config over the tiny folders."""
    cfg = dict(
        source=dict(layout='folders', image_dir=images, label_dir=labels),
        bank=dict(min_pixels=16, ignore_index=0),
        editor=dict(type='SemanticChangeEditor', change_ratio=(0.1, 0.3),
                    min_region=16, ignore_index=0),
        synthesizer=dict(type='RegionReplacementSynthesizer', feather=2.0),
        variation=dict(type='SameClassVariation', seasonal_classes=(1, )),
        swap_prob=0.5)
    cfg.update(overrides)
    return cfg
