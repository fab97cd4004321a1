"""Semantic change inference: from-to codes, the colour-table GeoTIFF,
polygons with from/to classes, and tools/infer.py end to end."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import rasterio
import torch
from mmengine.runner import save_checkpoint
from rasterio.transform import from_origin

from changefine_mm.apis.inferencer import build_change_model
from changefine_mm.apis.scd_inference import (code_colours, from_to_codes,
                                              is_scd_config,
                                              semantic_map_classes,
                                              write_from_to_polygons,
                                              write_from_to_raster)
from changefine_mm.datasets import SECONDDataset
from conftest import REPO_ROOT, load_tool
from scd_fixtures import predict_scd_pair

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DEMO = osp.join(REPO_ROOT, 'configs', 'scd', 'scd_upernet_r18_demo.py')
CLASSES = list(SECONDDataset.METAINFO['semantic_classes'])
PALETTE = SECONDDataset.METAINFO['semantic_palette']


def test_codes_by_hand():
    change = np.array([[0, 1, 1]])
    cover_from = np.array([[0, 3, 6]])
    cover_to = np.array([[0, 5, 1]])
    # K = 7: 1 + 3 * 7 + 5 = 27, 1 + 6 * 7 + 1 = 44; unchanged 0.
    codes = from_to_codes(change, cover_from, cover_to, 7)
    assert codes.dtype == np.uint8
    assert codes.tolist() == [[0, 27, 44]]
    assert from_to_codes(change, cover_from, cover_to, 16).dtype == \
        np.uint16
    colours = code_colours(PALETTE)
    assert colours[0] == (0, 0, 0, 255)
    assert colours[27] == (128, 0, 0, 255)  # to = 5, building
    assert len(colours) == 50


def georeferenced_date_a(tmp_path):
    """A GeoTIFF date A (UTM 33N, 10 m pixels) to copy the CRS from."""
    path = str(tmp_path / 'a.tif')
    with rasterio.open(path, 'w', driver='GTiff', height=8, width=8,
                       count=3, dtype='uint8', crs='EPSG:32633',
                       transform=from_origin(500000, 4000000, 10, 10)) as f:
        f.write(np.zeros((3, 8, 8), np.uint8))
    return path


def test_raster_and_polygons(tmp_path):
    reference = georeferenced_date_a(tmp_path)
    codes = np.zeros((8, 8), np.uint8)
    codes[1:3, 1:4] = 1 + 3 * 7 + 5  # low vegetation -> building
    codes[5:7, 5:7] = 1 + 1 * 7 + 2  # water -> ground
    out = str(tmp_path / 'out' / 'from_to.tif')
    write_from_to_raster(out, codes, PALETTE, reference=reference)
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 32633
        assert np.array_equal(src.read(1), codes)
        assert src.colormap(1)[27][:3] == (128, 0, 0)
    polygons = str(tmp_path / 'out' / 'from_to.geojson')
    assert write_from_to_polygons(out, polygons, CLASSES) == 2
    with open(polygons) as f:
        collection = json.load(f)
    assert collection['crs']['properties']['name'].endswith('32633')
    found = {(p['properties']['from'], p['properties']['to'],
              p['properties']['area']) for p in collection['features']}
    # 2x3 pixels of 10 m = 600 m², 2x2 = 400 m².
    assert found == {('low vegetation', 'building', 600.0),
                     ('water', 'ground', 400.0)}
    with pytest.raises(ValueError, match='unknown polygon format'):
        write_from_to_polygons(out, str(tmp_path / 'x.shp'), CLASSES)


def test_predict_and_tool(tmp_path):
    model = build_change_model(DEMO).eval()
    image = np.random.default_rng(0).integers(0, 255, (3, 32, 32),
                                              dtype=np.uint8)
    maps = predict_scd_pair(model, image, image[:, ::-1].copy())
    assert maps['change'].shape == maps['from'].shape == (32, 32)
    assert ((maps['from'] == 0) == (maps['change'] == 0)).all()

    checkpoint = str(tmp_path / 'scd.pth')
    save_checkpoint(dict(meta=dict(), state_dict=model.state_dict()),
                    checkpoint)
    for name, array in (('a.png', image), ('b.png', image[:, ::-1])):
        cv2.imwrite(str(tmp_path / name),
                    np.ascontiguousarray(array.transpose(1, 2, 0)))
    tool = load_tool('infer.py')
    out = str(tmp_path / 'from_to.tif')
    polygons = str(tmp_path / 'from_to.geojson')
    torch.manual_seed(0)
    assert tool.main([DEMO, checkpoint, str(tmp_path / 'a.png'),
                      str(tmp_path / 'b.png'), '-o', out, '--polygons',
                      polygons]) == 0
    with rasterio.open(out) as src:
        codes = src.read(1)
    assert codes.shape == (32, 32) and codes.dtype == np.uint8
    with open(polygons) as f:
        assert json.load(f)['type'] == 'FeatureCollection'
    classes, _ = semantic_map_classes(model.cfg)
    assert classes[0] == 'unchanged' and len(classes) == 7
    assert is_scd_config(DEMO)
    assert not is_scd_config(osp.join(REPO_ROOT, 'configs', 'fcsn',
                                      'fc_siam_diff_demo.py'))
    # folders of pairs write into an output folder (not the file `out`)
    with pytest.raises(ValueError, match='name an output folder'):
        tool.main([DEMO, checkpoint, str(tmp_path), str(tmp_path), '-o',
                   out])
