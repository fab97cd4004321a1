"""Fixtures of the inference tests: a tiny FC-Siam-diff (config file and
checkpoint written here), its inferencer, and small GeoTIFF writers.

Test modules import the fixtures from here (a conftest.py in this folder
would shadow the root ``conftest`` module); the model is built once per
session through a cache.
"""
import os.path as osp

import numpy as np
import pytest
import torch

from conftest import REPO_ROOT

TINY_CONFIG = f"""
_base_ = [{osp.join(REPO_ROOT, 'configs', 'fcsn', 'fc_siam_diff_demo.py')!r}]
model = dict(
    backbone=dict(base_channel=4),
    decode_head=dict(in_channels=4, channels=4))
"""
UTM = 'EPSG:32650'
# Built once per session, whichever test module asks first.
_CACHE = {}


@pytest.fixture(scope='session')
def tiny_model_files(tmp_path_factory):
    """(config path, checkpoint path) of a seeded tiny FC-Siam-diff."""
    if 'files' not in _CACHE:
        _CACHE['files'] = _model_files(tmp_path_factory)
    return _CACHE['files']


def _model_files(tmp_path_factory):
    from changefine_mm.apis import build_change_model
    root = tmp_path_factory.mktemp('tiny_model')
    config = str(root / 'fc_siam_diff_tiny.py')
    with open(config, 'w') as f:
        f.write(TINY_CONFIG)
    torch.manual_seed(0)
    model = build_change_model(config)
    checkpoint = str(root / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=1)),
               checkpoint)
    return config, checkpoint


@pytest.fixture(scope='session')
def inferencer(tiny_model_files):
    """ChangeInferencer of the tiny model on CPU, batch size 3."""
    from changefine_mm.apis import ChangeInferencer
    if 'inferencer' not in _CACHE:
        _CACHE['inferencer'] = ChangeInferencer(*tiny_model_files,
                                                device='cpu', batch_size=3)
    return _CACHE['inferencer']


def synthetic_rgb_pair(height: int, width: int, seed: int = 0):
    """Two (3, H, W) uint8 RGB images with a few changed rectangles."""
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 140, (3, height, width)).astype(np.uint8)
    changed = base.copy()
    for _ in range(3):
        y, x = rng.integers(0, height - 8), rng.integers(0, width - 8)
        changed[:, y:y + 12, x:x + 16] = rng.integers(150, 250, (3, 1, 1))
    return base, changed


def write_geotiff(path, image: np.ndarray, crs=UTM, origin=(500000.0,
                  3400000.0), gsd: float = 0.5, nodata=None) -> str:
    """Write a (C, H, W) array as a georeferenced GeoTIFF."""
    rasterio = pytest.importorskip(
        'rasterio', reason='rasterio is needed for GeoTIFF tests')
    from rasterio.transform import from_origin
    with rasterio.open(str(path), 'w', driver='GTiff', width=image.shape[2],
                       height=image.shape[1], count=image.shape[0],
                       dtype=image.dtype, crs=crs,
                       transform=from_origin(*origin, gsd, gsd),
                       nodata=nodata) as dst:
        dst.write(image)
    return str(path)
