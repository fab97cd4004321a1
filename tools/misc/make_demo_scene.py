"""Write a synthetic georeferenced GeoTIFF pair (and its change label).

The scene is a mosaic of the demo dataset's synthetic pairs (UTM 50N,
0.5 m pixels by default), written tile row by tile row, so any size works.

Example:
    python tools/misc/make_demo_scene.py data/demo_scene --size 1024
    # -> data/demo_scene/{A,B,label}/scene.tif
"""
import argparse

from changefine_mm.apis.demo_scene import write_demo_scene


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--size', type=int, nargs='+', default=[1024],
                        metavar='PIXELS',
                        help='scene side, or height and width')
    parser.add_argument('--tile', type=int, default=128,
                        help='side of each synthetic pair in the mosaic '
                        '(128 = the demo training tiles)')
    parser.add_argument('--gsd', type=float, default=0.5,
                        help='pixel size in metres')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    height, width = (args.size * 2)[:2]
    paths = write_demo_scene(args.out_dir, height, width, tile=args.tile,
                             gsd=args.gsd, seed=args.seed)
    print('wrote ' + ', '.join(paths))


if __name__ == '__main__':
    main()
