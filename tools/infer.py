"""Detect changes in a pair of images, two folders of pairs, or a pair of
big GeoTIFF scenes.

Examples:
    # one pair of PNGs -> mask PNG (+ overlay)
    python tools/infer.py CONFIG CKPT a.png b.png -o out/mask.png --overlay
    # two folders, pairs matched by file name
    python tools/infer.py CONFIG CKPT A/ B/ -o out/
    # nested folders (A/s1/x.png, A/s2/x.png): out/s1/x.png, out/s2/x.png
    python tools/infer.py CONFIG CKPT A/ B/ -o out/ --recursive
    # big GeoTIFF pair -> mask GeoTIFF, probabilities, polygons
    python tools/infer.py CONFIG CKPT a.tif b.tif -o out/change.tif \
        --window 512 --overlap 128 --save-prob --polygons out/change.gpkg
    # the same on 4 GPUs (or CPU processes): tools/dist_infer.sh
    # semantic change model (configs/scd/): from-to class GeoTIFF (big
    # GeoTIFF scenes window by window), class maps per date, overlay,
    # polygons with from/to classes
    python tools/infer.py SCD_CONFIG CKPT a.tif b.tif -o out/from_to.tif \
        --window 512 --overlap 128 --save-classes --overlay \
        --polygons out/from_to.gpkg
"""
import argparse
import os.path as osp
import os
import sys
from typing import List, Optional

import torch
import torch.distributed as dist
from mmengine.config import DictAction
from mmengine.dist import get_dist_info, init_dist

from changefine_mm.apis import ChangeInferencer, predict_files
from changefine_mm.apis.scd_files import predict_scd_files
from changefine_mm.apis.scd_inferencer import SCDInferencer
from changefine_mm.utils import CheckpointError, preflight
from changefine_mm.utils.pixel_scaling import scale_from_tokens
from changefine_mm.utils.runtime import CHANNELS_LAST, precision_options
from changefine_mm.utils.threads import configure_threads

# Project configs import ``projects.<name>`` (custom_imports); put the
# repository root on the import path as tools/train.py does.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Change detection inference on image pairs',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('a', help='date-A image or folder')
    parser.add_argument('b', help='date-B image or folder')
    parser.add_argument('-o', '--out', required=True,
                        help='mask file (pair) or output folder (folders)')
    parser.add_argument('--window', type=int, default=512,
                        help='sliding-window side in pixels')
    parser.add_argument('--overlap', type=int, default=128,
                        help='overlap of neighbouring windows in pixels')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='windows (or pairs) per forward pass')
    parser.add_argument('--device', default=None,
                        help='cpu, cuda, cuda:1 ... (default: cuda if '
                        'available; the local rank\'s GPU when distributed)')
    parser.add_argument('--bands', type=int, nargs='+', default=None,
                        help='1-based bands of the inputs to feed the model, '
                        'e.g. 4 3 2 for an RGB model on Sentinel-2 '
                        '(default: the config\'s test pipeline\'s, else '
                        'all)')
    parser.add_argument('--scale', nargs='+', default=None,
                        metavar='TYPE [KEY=VALUE]',
                        help='pixel scaling of non-8-bit inputs, e.g. '
                        '"fixed max=10000", "percentile low=2 high=98", '
                        '"dataset_stats file=stats.json", "log" (default: '
                        'the config\'s test pipeline\'s; see '
                        'docs/real_imagery.md)')
    parser.add_argument('--threshold', type=float, default=None,
                        help='change probability threshold of binary models '
                        '(default: the head\'s threshold, or 0.5)')
    parser.add_argument('--save-prob', action='store_true',
                        help='also write float32 probabilities '
                        '(NAME_prob.tif)')
    parser.add_argument('--save-classes', action='store_true',
                        help='semantic change models: also write each '
                        'date\'s class map (NAME_from.tif, NAME_to.tif)')
    parser.add_argument('--overlay', action='store_true',
                        help='also write the changes painted on date B '
                        '(NAME_overlay.tif/.png)')
    parser.add_argument('--polygons', default=None,
                        help='write change polygons: a .geojson or .gpkg '
                        'file (pair) or a folder (folders)')
    parser.add_argument('--polygon-format', default='geojson',
                        choices=['geojson', 'gpkg'],
                        help='polygon format in folder mode')
    parser.add_argument('--min-area', type=float, default=0.0,
                        help='drop polygons smaller than this (square CRS '
                        'units, m² for projected CRS; pixels without CRS)')
    parser.add_argument('--align', action='store_true',
                        help='reproject B onto A\'s grid when CRS, transform '
                        'or size differ (default: refuse)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing outputs')
    parser.add_argument('--recursive', action='store_true',
                        help='folders: also pair the images of sub-folders '
                        '(by their relative path) and mirror the '
                        'sub-folders in the output folder')
    parser.add_argument('--strip-width', type=int, default=4096,
                        help='widest column strip held in memory (pixels)')
    parser.add_argument('--tile', type=int, default=256,
                        help='output GeoTIFF tile side (multiple of 16)')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not print the progress line')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow a checkpoint that needs full unpickling '
                        '(only for files you trust: unpickling can run code)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--precision', default='fp32',
                        choices=['fp32', 'bf16'],
                        help='bf16: autocast (and ChangeFine\'s frozen '
                        'encoders stored in bf16)')
    parser.add_argument(
        '--channels-last', action='store_true',
        help='channels-last batches (data_preprocessor.channels_last): '
        'faster CPU convolutions for FC-EF/FC-Siam-*, SNUNet, BIT, '
        'ChangerEx (docs/baselines.md)')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher for multi-GPU / multi-node runs')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def init_distributed(launcher: str) -> None:
    """Start the process group: NCCL with GPUs, gloo on CPU."""
    if launcher == 'none' or dist.is_initialized():
        return
    if torch.cuda.is_available():
        init_dist(launcher, backend='nccl')
    elif launcher == 'pytorch':
        # mmengine's init always selects a CUDA device; torchrun's
        # environment is enough for a CPU (gloo) group.
        dist.init_process_group(backend='gloo')
    else:
        raise RuntimeError(f'--launcher {launcher} needs GPUs; use '
                           '--launcher pytorch (torchrun) on CPU')


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    with preflight.exit_on_error():
        preflight.check_inference(args.config, args.checkpoint,
                                  args.cfg_options)
    configure_threads()
    init_distributed(args.launcher)
    device = args.device
    if device is None and args.launcher != 'none' and \
            torch.cuda.is_available():
        device = f'cuda:{torch.cuda.current_device()}'
    options = precision_options(args.cfg_options, args.precision)
    if args.channels_last:
        options[CHANNELS_LAST] = True
    inferencer = ChangeInferencer(
        args.config, args.checkpoint, device=device,
        batch_size=args.batch_size, threshold=args.threshold,
        cfg_options=options,
        precision=args.precision,
        trust_checkpoint=args.trust_checkpoint or None,
        bands=args.bands, scale=scale_from_tokens(args.scale))
    common = dict(
        window=args.window, overlap=args.overlap, prob=args.save_prob,
        polygons=args.polygons, min_area=args.min_area, align=args.align,
        overwrite=args.overwrite, progress=not args.no_progress,
        recursive=args.recursive, strip_width=args.strip_width,
        tile=args.tile)
    common.update(overlay=args.overlay,
                  polygon_format_name=args.polygon_format)
    if isinstance(inferencer, SCDInferencer):
        jobs = predict_scd_files(inferencer, args.a, args.b, args.out,
                                 covers=args.save_classes, **common)
    else:
        jobs = predict_files(inferencer, args.a, args.b, args.out, **common)
    rank, world = get_dist_info()
    if world > 1:
        predicted = sum(job.stats.predicted for job in jobs if job.stats)
        # One write per line: the ranks share the terminal.
        sys.stdout.write(f'rank {rank}/{world}: {len(jobs)} pair(s), '
                         f'predicted {predicted} window(s)\n')
        sys.stdout.flush()
    if rank == 0:
        names = ', '.join(job.mask for job in jobs[:3])
        more = f' and {len(jobs) - 3} more' if len(jobs) > 3 else ''
        share = f' (rank 0 of {world})' if world > 1 and len(jobs) > 1 else ''
        print(f'wrote {names}{more}{share}')
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (ValueError, OSError, ImportError, CheckpointError) as err:
        # Bad input: say what is wrong without a traceback.
        sys.exit(f'error: {err}')
