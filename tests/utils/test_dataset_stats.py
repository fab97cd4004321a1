"""tools/analysis_tools/dataset_stats.py: streamed per-band statistics
equal numpy's over all pixels, and the file feeds scaling and the
preprocessor."""
import json
import os.path as osp

import numpy as np
import pytest

from changefine_mm.models import DualInputSegDataPreProcessor
from changefine_mm.utils.image_io import read_image
from changefine_mm.utils.pixel_scaling import build_scale
from conftest import REPO_ROOT, load_tool

pytest.importorskip('rasterio')
make = load_tool('misc', 'make_real_imagery.py')
TOOL = load_tool('analysis_tools', 'dataset_stats.py')


def test_oscd_train_split_stats_match_numpy(tmp_path):
    root = str(tmp_path / 'oscd')
    make.write_oscd(root, dict(train=['aguasclaras', 'bercy'],
                               test=['rio']), size=(12, 10))
    out = str(tmp_path / 'stats.json')
    config = osp.join(REPO_ROOT, 'configs', 'oscd',
                      'fc_ef_128x128_20k_oscd_rgb.py')
    TOOL.main([config, '--out', out, '--no-progress', '--cfg-options',
               f'train_dataloader.dataset.data_root={root}'])
    with open(out) as file:
        stats = json.load(file)
    assert stats['bands'] == [2, 3, 4] and stats['images'] == 4
    city = osp.join(root, make.OSCD_IMAGES, '{}', 'imgs_{}_rect', '{}.tif')
    for k, band in enumerate(('B02', 'B03', 'B04')):
        values = np.concatenate([
            read_image(city.format(c, d, band)).ravel()
            for c in ('aguasclaras', 'bercy') for d in (1, 2)
        ]).astype(np.float64)
        assert stats['count'][k] == values.size
        assert stats['mean'][k] == pytest.approx(values.mean())
        assert stats['std'][k] == pytest.approx(values.std())
        assert stats['max'][k] == values.max()
        for level in ('2', '50', '98'):
            assert stats['percentiles'][level][k] == np.percentile(
                values, float(level), method='lower')
    rule = build_scale(dict(type='dataset_stats', file=out))
    p2, p98 = (stats['percentiles'][q][2] for q in ('2', '98'))
    pixel = np.full((1, 1, 1), (p2 + p98) / 2, np.float32)
    assert rule(pixel, [4])[0, 0, 0] == pytest.approx(127.5)
    pre = DualInputSegDataPreProcessor(stats_file=out, stats_bands=[4])
    assert pre.mean.item() == pytest.approx(stats['mean'][2])


def test_float_pixels_use_two_passes(tmp_path):
    make.write_folder_pairs(str(tmp_path), 'sar', count=2, size=16)
    sources = [str(tmp_path / d / f'pair{i}.tif') for i in range(2)
               for d in 'AB']
    stats = TOOL.compute_stats(sources, None, (2, 50, 98), progress=False)
    values = np.concatenate([read_image(s).ravel() for s in sources])
    assert stats['dtype'] == 'float32' and stats['bands'] == [1]
    assert stats['mean'][0] == pytest.approx(values.mean(), rel=1e-6)
    width = (values.max() - values.min()) / TOOL.FLOAT_BINS
    for level in (2, 50, 98):
        assert abs(stats['percentiles'][f'{level}'][0] -
                   np.percentile(values, level)) <= 2 * width
