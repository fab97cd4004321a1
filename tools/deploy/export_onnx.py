"""Export a change detector to ONNX with pre- and post-processing inside.

The graph takes two uint8 RGB images and returns the change mask (and the
change probability); see ``docs/inference.md`` and
:mod:`changefine_mm.apis.onnx_export`. After export the graph is run with
onnxruntime and compared with PyTorch (at the export size and, for a
dynamic graph, at another size).

Example:
    python tools/deploy/export_onnx.py CONFIG CKPT -o change.onnx
    python tools/deploy/export_onnx.py CONFIG CKPT -o change_512.onnx \
        --static --shape 512 512 --layout nchw
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

from mmengine.config import DictAction

from changefine_mm.apis import ChangeInferencer, check_export, export_onnx
from changefine_mm.utils import CheckpointError, preflight

# Project configs import ``projects.<name>`` (custom_imports); put the
# repository root on the import path as tools/train.py does.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a change detector to ONNX (uint8 pair in, '
        'mask out)',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('-o', '--out', required=True, help='ONNX file')
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 256],
                        metavar=('H', 'W'),
                        help='example size (the only size with --static)')
    parser.add_argument('--static', action='store_true',
                        help='fix H and W to --shape (default: any size)')
    parser.add_argument('--layout', default='hwc', choices=['hwc', 'nchw'],
                        help='inputs as (H, W, 3) or (1, 3, H, W)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument('--threshold', type=float, default=None,
                        help='change threshold of binary models baked into '
                        'the graph (default: as ChangeInferencer)')
    parser.add_argument('--no-verify', action='store_true',
                        help='skip the onnxruntime vs PyTorch check')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow a checkpoint that needs full unpickling '
                        '(only for files you trust)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    with preflight.exit_on_error():
        preflight.check_inference(args.config, args.checkpoint,
                                  args.cfg_options)
    inferencer = ChangeInferencer(
        args.config, args.checkpoint, device='cpu', threshold=args.threshold,
        cfg_options=args.cfg_options,
        trust_checkpoint=args.trust_checkpoint or None)
    export_onnx(inferencer, args.out, shape=args.shape,
                dynamic=not args.static, layout=args.layout,
                opset=args.opset)
    print(f'wrote {args.out}')
    if not args.no_verify:
        result = check_export(args.out, inferencer, args.shape,
                              dynamic=not args.static, layout=args.layout)
        print(f'onnxruntime matches PyTorch: max probability difference '
              f'{result["max_prob_diff"]:.1e}, no mask pixel differs')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (ValueError, OSError, ImportError, RuntimeError,
            CheckpointError) as err:
        sys.exit(f'error: {err}')
