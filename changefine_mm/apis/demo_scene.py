"""Synthetic georeferenced scene pairs for demos, benchmarks and tests.

A scene is a mosaic of synthetic pairs (:func:`make_pair`), written row of
tiles by row of tiles, so a 10 000 x 10 000 scene never sits in memory.
The grid is UTM zone 50N with ``gsd`` metre pixels.
"""
import os
import os.path as osp
from typing import Optional, Tuple

import numpy as np

from changefine_mm.datasets.synthetic import make_pair
from .geo import import_rasterio

DEMO_CRS = 'EPSG:32650'
DEMO_ORIGIN = (500000.0, 3400000.0)  # upper-left corner (easting, northing)


def write_demo_scene(out_dir: str,
                     height: int,
                     width: int,
                     tile: int = 128,
                     gsd: float = 0.5,
                     seed: int = 0,
                     with_label: bool = True,
                     name: str = 'scene') -> Tuple[str, str, Optional[str]]:
    """Write ``A/<name>.tif``, ``B/<name>.tif`` (and ``label/<name>.tif``).

    Args:
        out_dir (str): Folder to write into.
        height (int): Scene height in pixels.
        width (int): Scene width in pixels.
        tile (int): Side of each synthetic pair in the mosaic.
        gsd (float): Pixel size in metres.
        seed (int): Random seed.
        with_label (bool): Also write the 0/1 change label.
        name (str): File stem.

    Returns:
        tuple: Paths of A, B and the label (None without label).
    """
    rasterio = import_rasterio()
    from rasterio.transform import from_origin
    from rasterio.windows import Window
    rng = np.random.default_rng(seed)
    profile = dict(driver='GTiff', width=width, height=height, crs=DEMO_CRS,
                   transform=from_origin(*DEMO_ORIGIN, gsd, gsd),
                   tiled=True, blockxsize=256, blockysize=256,
                   compress='deflate', BIGTIFF='IF_SAFER')
    folders = ['A', 'B'] + (['label'] if with_label else [])
    paths = [osp.join(out_dir, f, f'{name}.tif') for f in folders]
    files = []
    for path, count in zip(paths, (3, 3, 1)):
        os.makedirs(osp.dirname(path), exist_ok=True)
        files.append(rasterio.open(path, 'w', count=count, dtype='uint8',
                                   **profile))
    try:
        for row in range(0, height, tile):
            for col in range(0, width, tile):
                h, w = min(tile, height - row), min(tile, width - col)
                image_a, image_b, label = make_pair(rng, tile)
                window = Window(col, row, w, h)
                parts = (image_a, image_b, (label > 0)[..., None])
                for dst, part in zip(files, parts):
                    dst.write(part[:h, :w].transpose(2, 0, 1).astype(
                        np.uint8), window=window)
    finally:
        for dst in files:
            dst.close()
    return paths[0], paths[1], paths[2] if with_label else None
