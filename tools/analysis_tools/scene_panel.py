"""Draw a preview panel of a change result: A | B | changes on B.

Every raster is read decimated (GDAL overview-style reads), so this works
on scenes of any size. With a label the changes are coloured as true
positives (cyan), false positives (yellow) and false negatives (magenta);
without one every predicted change is magenta. The panel has column
titles and a colour legend.

Example:
    python tools/analysis_tools/scene_panel.py A.tif B.tif change.tif \
        --label label.tif -o panel.png --height 512
    # a Sentinel-2 pair: bands 4 3 2, stretched for display only
    python tools/analysis_tools/scene_panel.py A.tif B.tif change.tif \
        -o panel.png --rgb-bands 4 3 2
"""
import argparse
import sys

import cv2
import numpy as np

from changefine_mm.apis.geo import MASK_NODATA, open_raster
from changefine_mm.utils.pixel_scaling import display_uint8
from changefine_mm.visualization import overlay_changes
from changefine_mm.visualization.change_visualizer import change_legend
from changefine_mm.visualization.panel import compose_panel


def read_preview(path: str, height: int, bands, nearest: bool,
                 crop=None) -> np.ndarray:
    """Read a raster (or a ``(row, col, size)`` crop of it) resampled to
    ``height`` rows; returns (H, W, C), or (H, W) for one band."""
    from rasterio.enums import Resampling
    from rasterio.windows import Window
    with open_raster(path) as src:
        window = Window(0, 0, src.width, src.height) if crop is None else \
            Window(crop[1], crop[0], crop[2], crop[2])
        width = max(1, round(window.width * height / window.height))
        data = src.read(bands, window=window,
                        out_shape=(len(bands), height, width),
                        resampling=Resampling.nearest if nearest else
                        Resampling.average)
    return data.transpose(1, 2, 0).squeeze(-1) if len(bands) == 1 else \
        data.transpose(1, 2, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('a', help='date-A RGB raster')
    parser.add_argument('b', help='date-B RGB raster')
    parser.add_argument('mask', help='mask GeoTIFF written by tools/infer.py')
    parser.add_argument('--label', help='0/1 change label raster')
    parser.add_argument('-o', '--out', required=True, help='PNG to write')
    parser.add_argument('--height', type=int, default=512,
                        help='panel height in pixels')
    parser.add_argument('--crop', type=int, nargs=3,
                        metavar=('ROW', 'COL', 'SIZE'),
                        help='show only this square of the scene')
    parser.add_argument('--rgb-bands', type=int, nargs=3, default=[1, 2, 3],
                        help='red, green, blue band numbers of A and B, e.g. '
                        '4 3 2 for Sentinel-2; non-8-bit bands are '
                        'stretched for display (2-98 %%)')
    parser.add_argument('--gap', type=int, default=8,
                        help='white gap between the images')
    args = parser.parse_args()

    def read(path, bands, nearest):
        return read_preview(path, args.height, bands, nearest, args.crop)

    image_a, image_b = (display_uint8(read(path, args.rgb_bands, False))
                        for path in (args.a, args.b))
    mask = read(args.mask, [1], nearest=True)
    label = None if args.label is None else read(args.label, [1], True)
    pred = (mask > 0) & (mask != MASK_NODATA)
    painted = overlay_changes(image_b, pred, label)
    third = 'prediction vs label' if label is not None else 'changes'
    panel = compose_panel([image_a, image_b, painted],
                          ['date A', 'date B', third],
                          change_legend(label is not None), args.height,
                          args.gap)
    if not cv2.imwrite(args.out, np.ascontiguousarray(panel[..., ::-1]),
                       [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        sys.exit(f'error: cannot write {args.out} (does its folder exist? '
                 'is the suffix an image type such as .png?)')
    print(f'wrote {args.out} ({panel.shape[1]}x{panel.shape[0]})')


if __name__ == '__main__':
    main()
