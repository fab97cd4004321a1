"""Shared test fixtures (tests/ and projects/*/tests): tiny generated data,
the registered scope, and the ../shared references (skipped when absent)."""
import os
import os.path as osp

import pytest

import changefine_mm
from changefine_mm.datasets.synthetic import write_dataset

REPO_ROOT = osp.dirname(osp.abspath(__file__))
SHARED = osp.join(osp.dirname(REPO_ROOT), 'shared')
GOLDEN = osp.join(SHARED, 'golden')
REALCD = osp.join(SHARED, 'data', 'realcd')


@pytest.fixture(autouse=True, scope='session')
def _register_modules():
    changefine_mm.register_all_modules()


@pytest.fixture(scope='session')
def synthetic_cd_root(tmp_path_factory) -> str:
    """A 64x64 synthetic dataset in the LEVIR layout (6/2/2 pairs)."""
    root = str(tmp_path_factory.mktemp('synthetic_cd'))
    write_dataset(root, dict(train=6, val=2, test=2), size=64, seed=1)
    return root


def golden_path(*parts: str) -> str:
    """Path inside ../shared/golden; skips the test when it is absent."""
    path = osp.join(GOLDEN, *parts)
    if not osp.exists(path):
        pytest.skip(f'golden reference not available: {path}')
    return path


def realcd_path(*parts: str) -> str:
    """Path inside ../shared/data/realcd; skips the test when absent."""
    path = osp.join(REALCD, *parts)
    if not osp.exists(path):
        pytest.skip(f'real LEVIR-CD samples not available: {path}')
    return path


os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
os.environ.setdefault('HF_HUB_OFFLINE', '1')
