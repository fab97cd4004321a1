"""Two CPU processes (torchrun, gloo) share a scene's windows; rank 0
writes a result identical to a single-process run."""
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
from inference_fixtures import (REPO_ROOT, inferencer,  # noqa: F401
                                synthetic_rgb_pair, tiny_model_files,
                                write_geotiff)

from changefine_mm.apis import predict_geotiff

rasterio = pytest.importorskip('rasterio',
                               reason='rasterio is needed for GeoTIFF tests')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_processes_match_one(inferencer, tiny_model_files, tmp_path):
    image_a, image_b = synthetic_rgb_pair(64, 100)
    path_a = write_geotiff(tmp_path / 'a.tif', image_a)
    path_b = write_geotiff(tmp_path / 'b.tif', image_b)
    options = ['--window', '32', '--overlap', '8', '--tile', '16',
               '--batch-size', '2', '--strip-width', '64', '--save-prob',
               '--no-progress']
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1',
               PYTHON=sys.executable)
    result = subprocess.run(
        ['bash', osp.join(REPO_ROOT, 'tools', 'dist_infer.sh'),
         *tiny_model_files, path_a, path_b, '2', '-o',
         str(tmp_path / 'dist.tif'), *options],
        capture_output=True, text=True, env=env, timeout=300)
    errors = [line for line in result.stderr.splitlines()
              if 'Warning' not in line and not line.startswith('  ')]
    assert result.returncode == 0, '\n'.join(errors[-60:])
    assert 'wrote' in result.stdout
    single = predict_geotiff(inferencer, path_a, path_b,
                             str(tmp_path / 'single.tif'),
                             str(tmp_path / 'single_prob.tif'), window=32,
                             overlap=8, tile=16, strip_width=64,
                             progress=False)
    assert single.windows > 4
    # each rank predicted a share of the windows
    shares = dict(re.findall(r'rank (\d)/2: 1 pair\(s\), predicted (\d+)',
                             result.stdout))
    assert sorted(shares) == ['0', '1'], result.stdout
    assert min(map(int, shares.values())) > 0
    assert sum(map(int, shares.values())) == single.windows
    for name in ('{}.tif', '{}_prob.tif'):
        with rasterio.open(tmp_path / name.format('dist')) as dist, \
                rasterio.open(tmp_path / name.format('single')) as one:
            np.testing.assert_allclose(dist.read(), one.read(), atol=1e-6)
            assert dist.transform == one.transform
