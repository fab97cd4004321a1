"""Semantic change inference on one pair of images.

Writes the from-to class raster (GeoTIFF with a colour table, georeferenced
like date A; encoding in :mod:`changefine_mm.apis.scd_inference`) and,
with ``--polygons``, GeoJSON polygons with ``from``/``to`` class names.

Example::

    python tools/infer_scd.py configs/scd/scd_upernet_r18_demo.py \\
        work_dirs/scd_demo/iter_200.pth data/demo_scd/test/im1/test_0000.png \\
        data/demo_scd/test/im2/test_0000.png out/from_to.tif \\
        --polygons out/from_to.geojson
"""
import argparse
import inspect
import sys
from typing import List, Optional, Tuple

from mmengine.config import Config

from changefine_mm.apis.inferencer import build_change_model
from changefine_mm.apis.scd_inference import infer_scd_files
from changefine_mm.registry import DATASETS


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='semantic change config')
    parser.add_argument('checkpoint', help='its trained weights')
    parser.add_argument('a', help='date A image')
    parser.add_argument('b', help='date B image')
    parser.add_argument('out', help='from-to GeoTIFF to write')
    parser.add_argument('--polygons', help='also write a .geojson')
    parser.add_argument('--min-area', type=float, default=0.0,
                        help='drop polygons smaller than this')
    return parser.parse_args(argv)


def map_classes(cfg: Config) -> Tuple[list, list]:
    """Names and colours of the class indices the model's maps hold.

    Args:
        cfg (Config): The model's config (its test dataset names them).

    Returns:
        tuple: (class names, RGB palette).
    """
    dataset = cfg.test_dataloader.dataset
    dataset_cls = DATASETS.get(dataset.type)
    meta = dict(dataset_cls.METAINFO)
    meta.update(dataset.get('metainfo') or {})
    default = inspect.signature(dataset_cls.__init__).parameters[
        'reduce_semantic_zero_label'].default
    reduce = dataset.get('reduce_semantic_zero_label', default)
    classes = list(meta['semantic_classes'])
    palette = [list(c) for c in meta['semantic_palette']]
    covered = cfg.model.get('postprocess_pred_and_label') == 'cover_semantic'
    if not covered and reduce:
        return classes[1:], palette[1:]
    return classes, palette


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    model = build_change_model(args.config, args.checkpoint).eval()
    classes, palette = map_classes(model.cfg)
    codes = infer_scd_files(model, args.a, args.b, args.out, classes,
                            palette, args.polygons, args.min_area)
    changed = float((codes > 0).mean())
    print(f'wrote {args.out} ({changed:.1%} changed)' +
          (f' and {args.polygons}' if args.polygons else ''))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (ValueError, OSError) as err:
        sys.exit(f'error: {err}')
