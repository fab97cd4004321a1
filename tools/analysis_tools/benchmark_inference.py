"""Benchmark big-scene GeoTIFF inference: throughput and peak memory.

For each scene size a synthetic georeferenced RGB pair is written (once,
kept in the work dir), then a fresh Python process builds the model and
runs ``predict_geotiff`` on it, so that each size's peak RSS is measured on
its own. Reported per size: windows, windows/s, km²/h at the given ground
sampling distance, peak RSS and its ratio to the first size's.

Without a checkpoint the model keeps its random initial weights, which
changes neither speed nor memory.

With ``--multispectral`` each size is also run as a 13-band uint16
Sentinel-2-like pair (written strip by strip), which the same RGB model
reads with bands 4, 3, 2 and ``fixed`` scaling (max 10000): the peak RSS
of real 16-bit multi-band scenes next to the 8-bit RGB figure.

With ``--precision fp32 bf16`` each size runs once per precision
(``ChangeInferencer(precision=...)``: bf16 autocast; ChangeFine also keeps
its frozen encoders in bf16); each precision writes its own mask
(``change_<precision>.tif``), and the masks of the later precisions are
compared pixel by pixel with the first one's (the share of pixels with the
same class, over the pixels that are valid in both).

Example:
    python tools/analysis_tools/benchmark_inference.py \
        configs/fcsn/fc_siam_diff_demo.py --sizes 2000 10000 --device cpu
    python tools/analysis_tools/benchmark_inference.py \
        configs/changefine/changefine_levircd.py --sizes 1024 \
        --precision fp32 bf16
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time
from typing import List, Optional

import numpy as np

# What a Sentinel-2 scene is read with by an RGB model.
S2_RGB = [4, 3, 2]
S2_SCALE = dict(type='fixed', max=10000)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark GeoTIFF big-scene inference',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config', help='model config file')
    parser.add_argument('--checkpoint', default=None,
                        help='weights (default: random initial weights)')
    parser.add_argument('--sizes', type=int, nargs='+',
                        default=[2000, 10000],
                        help='square scene sides in pixels')
    parser.add_argument('--window', type=int, default=512)
    parser.add_argument('--overlap', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--gsd', type=float, default=0.5,
                        help='ground sampling distance in metres (km²/h)')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_inference',
                        help='where scenes and outputs are written')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='config overrides, key=value (passed to infer)')
    parser.add_argument('--precision', nargs='+', default=['fp32'],
                        choices=['fp32', 'bf16'],
                        help='run every size at each of these precisions')
    parser.add_argument('--multispectral', action='store_true',
                        help='also run 13-band uint16 scenes (bands 4 3 2, '
                        'fixed scaling)')
    parser.add_argument('--child', nargs=3, metavar=('A', 'B', 'OUT'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--child-s2', action='store_true',
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def current_rss_mib() -> float:
    """Resident memory of this process now (Linux /proc)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def run_child(args: argparse.Namespace) -> None:
    """Build the model, run one scene, print the measurements as JSON."""
    from mmengine.config import DictAction

    from changefine_mm.apis import ChangeInferencer, predict_geotiff
    from changefine_mm.utils.runtime import precision_options
    options = {}
    if args.cfg_options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--o', nargs='+', action=DictAction)
        options = parser.parse_args(['--o', *args.cfg_options]).o
    precision = args.precision[0]
    options = precision_options(options, precision)
    reading = dict(bands=S2_RGB, scale=S2_SCALE) if args.child_s2 else {}
    inferencer = ChangeInferencer(args.config, args.checkpoint,
                                  device=args.device,
                                  batch_size=args.batch_size,
                                  cfg_options=options, precision=precision,
                                  **reading)
    rss_model = current_rss_mib()
    path_a, path_b, out = args.child
    stats = predict_geotiff(inferencer, path_a, path_b, out,
                            window=args.window, overlap=args.overlap,
                            overwrite=True, progress=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(windows=stats.windows, seconds=stats.seconds,
                          rss_model_mib=rss_model, peak_rss_mib=peak)))


def write_s2_scene(folder: str, size: int, gsd: float) -> None:
    """A 13-band uint16 pair written in strips (bounded memory)."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window
    rng = np.random.default_rng(0)
    base = rng.uniform(300, 3000, (13, 1, 1))
    profile = dict(driver='GTiff', width=size, height=size, count=13,
                   dtype='uint16', crs='EPSG:32631', tiled=True,
                   blockxsize=256, blockysize=256, compress='deflate',
                   transform=from_origin(600000, 5400000, gsd, gsd),
                   BIGTIFF='IF_SAFER')
    for date in 'AB':
        os.makedirs(osp.join(folder, date), exist_ok=True)
        with rasterio.open(osp.join(folder, date, 'scene.tif'), 'w',
                           **profile) as dst:
            for row in range(0, size, 256):
                rows = min(256, size - row)
                strip = base * rng.uniform(0.8, 1.2, (1, rows, size))
                if date == 'B':  # a changed block every 2048 columns
                    strip[:, :, ::2048] *= 2
                dst.write(strip.astype(np.uint16),
                          window=Window(0, row, size, rows))


def measure(args: argparse.Namespace, size: int, s2: bool = False,
            precision: str = 'fp32') -> dict:
    """Write (or reuse) a scene of ``size`` and run it in a new process
    at ``precision``."""
    from changefine_mm.apis.demo_scene import write_demo_scene
    folder = osp.join(args.work_dir, f'{size}x{size}' + ('_s2' if s2 else ''))
    path_a = osp.join(folder, 'A', 'scene.tif')
    path_b = osp.join(folder, 'B', 'scene.tif')
    if not (osp.exists(path_a) and osp.exists(path_b)):
        start = time.time()
        if s2:
            write_s2_scene(folder, size, args.gsd)
        else:
            write_demo_scene(folder, size, size, tile=256, gsd=args.gsd,
                             with_label=False)
        print(f'wrote the {size}x{size} pair in {time.time() - start:.0f} s',
              flush=True)
    mask = osp.join(folder, f'change_{precision}.tif')
    command = [sys.executable, osp.abspath(__file__), args.config,
               '--window', str(args.window), '--overlap', str(args.overlap),
               '--batch-size', str(args.batch_size), '--device', args.device,
               '--precision', precision, '--child', path_a, path_b, mask]
    if args.checkpoint:
        command += ['--checkpoint', args.checkpoint]
    if s2:
        command.append('--child-s2')
    if args.cfg_options:
        command += ['--cfg-options', *args.cfg_options]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f'benchmark of {size}x{size} failed:\n'
                           f'{result.stderr[-3000:]}')
    record = json.loads(result.stdout.strip().splitlines()[-1])
    area_km2 = size * size * args.gsd**2 / 1e6
    record.update(size=size, area_km2=area_km2, precision=precision,
                  mask=mask,
                  input='13-band uint16, bands 4 3 2' if s2 else
                  '3-band uint8',
                  windows_per_s=record['windows'] / record['seconds'],
                  km2_per_h=area_km2 / record['seconds'] * 3600)
    return record


def mask_agreement(path_a: str, path_b: str, nodata: int = 255) -> float:
    """Share of pixels with the same class in two mask GeoTIFFs of one
    grid, over the pixels valid (not ``nodata``) in both; read block by
    block, so that a big scene costs little memory.

    Args:
        path_a (str): First mask (uint8).
        path_b (str): Second mask on the same grid.
        nodata (int): Value of the pixels left out. Defaults to 255.

    Returns:
        float: Agreement in [0, 1] (NaN when no pixel is valid in both).
    """
    import rasterio
    same = valid = 0
    with rasterio.open(path_a) as first, rasterio.open(path_b) as second:
        if (first.width, first.height) != (second.width, second.height):
            raise ValueError(f'{path_b}: {second.width}x{second.height} '
                             f'pixels, {path_a} has {first.width}x'
                             f'{first.height}')
        for _, window in first.block_windows(1):
            a = first.read(1, window=window)
            b = second.read(1, window=window)
            both = (a != nodata) & (b != nodata)
            valid += int(both.sum())
            same += int((both & (a == b)).sum())
    return same / valid if valid else float('nan')


def add_agreement(records: List[dict]) -> None:
    """Set ``agreement`` of every record to its mask's agreement with the
    mask of the first precision run on the same scene (None for that
    one)."""
    firsts = {}
    for record in records:
        scene = (record['size'], record['input'])
        if scene not in firsts:
            firsts[scene] = record
            record['agreement'] = None
        else:
            record['agreement'] = mask_agreement(firsts[scene]['mask'],
                                                 record['mask'])


def table(records: List[dict]) -> str:
    """The results as a Markdown table."""
    first = records[0]['peak_rss_mib']
    lines = [
        '| scene (px) | area (km²) | windows | time (s) | windows/s | '
        'km²/h | RSS after model build (MiB) | peak RSS (MiB) | '
        'peak RSS vs first | input | precision | mask agreement |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for r in records:
        agreement = r.get('agreement')
        agreement = '—' if agreement is None else f'{agreement:.4%}'
        lines.append(
            f'| {r["size"]} x {r["size"]} | {r["area_km2"]:.2f} | '
            f'{r["windows"]} | {r["seconds"]:.0f} | '
            f'{r["windows_per_s"]:.2f} | {r["km2_per_h"]:.2f} | '
            f'{r["rss_model_mib"]:.0f} | {r["peak_rss_mib"]:.0f} | '
            f'{(r["peak_rss_mib"] / first - 1) * 100:+.1f} % | '
            f'{r["input"]} | {r["precision"]} | {agreement} |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.child:
        run_child(args)
        return 0
    os.makedirs(args.work_dir, exist_ok=True)
    records = []
    for size in args.sizes:
        for s2 in (False, True) if args.multispectral else (False, ):
            for precision in args.precision:
                records.append(measure(args, size, s2, precision))
                print(json.dumps(records[-1]), flush=True)
    add_agreement(records)
    print(f'\nwindow {args.window}, overlap {args.overlap}, batch '
          f'{args.batch_size}, device {args.device}, '
          f'{os.cpu_count()} CPU(s), gsd {args.gsd} m\n')
    print(table(records))
    return 0


if __name__ == '__main__':
    sys.exit(main())
