"""benchmark_inference.py: per-precision masks and their agreement."""
import numpy as np
import pytest

from conftest import REPO_ROOT, load_tool

rasterio = pytest.importorskip('rasterio')
from rasterio.transform import from_origin  # noqa: E402

bench = load_tool('analysis_tools', 'benchmark_inference.py')


def write_mask(path, mask: np.ndarray) -> str:
    profile = dict(driver='GTiff', width=mask.shape[1], height=mask.shape[0],
                   count=1, dtype='uint8', nodata=255, tiled=True,
                   blockxsize=16, blockysize=16, crs='EPSG:32650',
                   transform=from_origin(500000, 4000000, 0.5, 0.5))
    with rasterio.open(path, 'w', **profile) as dst:
        dst.write(mask, 1)
    return str(path)


def test_mask_agreement_counts_pixels_valid_in_both(tmp_path):
    first = np.zeros((40, 48), np.uint8)
    first[:10] = 1
    first[30:, :8] = 255  # nodata in the first mask only
    second = first.copy()
    second[30:, :8] = 1
    second[20, :5] = 1  # 5 disagreeing pixels
    second[0, :3] = 255  # nodata in the second mask only
    valid = 40 * 48 - 10 * 8 - 3
    agreement = bench.mask_agreement(write_mask(tmp_path / 'a.tif', first),
                                     write_mask(tmp_path / 'b.tif', second))
    assert agreement == pytest.approx((valid - 5) / valid)


def test_mask_agreement_refuses_other_grids(tmp_path):
    first = write_mask(tmp_path / 'a.tif', np.zeros((32, 32), np.uint8))
    second = write_mask(tmp_path / 'b.tif', np.zeros((32, 16), np.uint8))
    with pytest.raises(ValueError, match='b.tif: 16x32 pixels'):
        bench.mask_agreement(first, second)


def test_add_agreement_compares_with_the_first_precision(tmp_path):
    same = write_mask(tmp_path / 'fp32.tif', np.eye(32, dtype=np.uint8))
    flipped = np.eye(32, dtype=np.uint8)
    flipped[0, 0] = 0
    other = write_mask(tmp_path / 'bf16.tif', flipped)
    records = [
        dict(size=32, input='3-band uint8', precision='fp32', mask=same),
        dict(size=32, input='3-band uint8', precision='bf16', mask=other),
        dict(size=32, input='13-band uint16, bands 4 3 2',
             precision='fp32', mask=other),
    ]
    bench.add_agreement(records)
    assert records[0]['agreement'] is None
    assert records[1]['agreement'] == pytest.approx(1 - 1 / 1024)
    assert records[2]['agreement'] is None  # another scene: its own first


def test_each_precision_writes_its_own_mask(tmp_path, capsys):
    config = tmp_path / 'tiny.py'
    config.write_text(
        f"_base_ = ['{REPO_ROOT}/configs/fcsn/fc_siam_diff_demo.py']\n"
        'model = dict(backbone=dict(base_channel=2),\n'
        '             decode_head=dict(in_channels=2, channels=2))\n')
    work = tmp_path / 'work'
    assert bench.main([str(config), '--sizes', '128', '--window', '64',
                       '--overlap', '8', '--precision', 'fp32', 'bf16',
                       '--work-dir', str(work)]) == 0
    table = capsys.readouterr().out.split('| scene (px)')[1]
    rows = [line for line in table.splitlines() if line.startswith('| 128')]
    assert len(rows) == 2
    assert rows[0].endswith('| fp32 | — |')
    # A random-weight model's two logits are nearly tied, so its bf16
    # mask may differ anywhere; the table must report what the files say.
    masks = [str(work / '128x128' / f'change_{p}.tif')
             for p in ('fp32', 'bf16')]
    shown = float(rows[1].split('|')[-2].strip().rstrip('%'))
    assert shown == pytest.approx(100 * bench.mask_agreement(*masks),
                                  abs=1e-4)
