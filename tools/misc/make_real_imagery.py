"""Write small synthetic multispectral data in real layouts.

* ``scene``: a Sentinel-2-like pair of 13-band uint16 GeoTIFFs (L1C
  reflectance x 10000, 10 m, UTM) with a change label, for the walk-through
  of docs/real_imagery.md;
* ``oscd``: tiny city folders in the Onera Satellite Change Detection
  layout (``imgs_1_rect/B01.tif`` ... per city, ``cm/cm.png`` labels,
  ``train.txt``/``test.txt`` city lists);
* ``envi``: a 6-band Landsat-TM-like ENVI pair (``A``, ``B`` + ``.hdr``)
  in the ``A``/``B``/``label`` folder layout;
* ``sar``: single-band float32 linear backscatter pairs (Sentinel-1-like)
  in the same folder layout.

Changes are rectangles whose spectrum turns into bright built-up surface.

Example:
    python tools/misc/make_real_imagery.py scene data/s2_scene --size 512
"""
import argparse
import os
import os.path as osp
import warnings
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np

OSCD_BANDS = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A',
              'B09', 'B10', 'B11', 'B12')
OSCD_IMAGES = 'Onera Satellite Change Detection dataset - Images'
OSCD_LABELS = 'Onera Satellite Change Detection dataset - {} Labels'
# Typical Sentinel-2 L1C reflectance x 10000 of vegetation and of roofs.
_VEGETATION = (1500, 1300, 1200, 1100, 1500, 2300, 2600, 2700, 2900, 800,
               20, 1900, 1100)
_BUILT = (1700, 1700, 1800, 2000, 2200, 2400, 2500, 2600, 2700, 900, 25,
          3000, 2600)
UTM = 'EPSG:32631'


def spectral_pair(height: int, width: int, seed: int = 0,
                  bands: int = 13) -> Tuple[np.ndarray, np.ndarray,
                                            np.ndarray]:
    """A uint16 pair of ``bands`` bands and its 0/255 change label.

    Args:
        height (int): Rows.
        width (int): Columns.
        seed (int): Random seed.
        bands (int): Band count (the first ``bands`` Sentinel-2 bands).

    Returns:
        tuple: A and B ``(bands, H, W)`` uint16, label ``(H, W)`` uint8.
    """
    rng = np.random.default_rng(seed)
    base = np.array(_VEGETATION[:bands], np.float32)[:, None, None]
    built = np.array(_BUILT[:bands], np.float32)[:, None, None]
    image_a = base * rng.uniform(0.8, 1.2, (1, height, width))
    image_a = image_a + rng.normal(0, 40, (bands, height, width))
    image_b = image_a + rng.normal(0, 40, (bands, height, width))
    label = np.zeros((height, width), np.uint8)
    for _ in range(max(1, height * width // 2048)):
        h, w = rng.integers(4, max(5, height // 4), 2)
        y, x = rng.integers(0, height - h), rng.integers(0, width - w)
        image_b[:, y:y + h, x:x + w] = built * rng.uniform(0.9, 1.1)
        label[y:y + h, x:x + w] = 255
    return _to_uint16(image_a), _to_uint16(image_b), label


def _to_uint16(image: np.ndarray) -> np.ndarray:
    return np.clip(image, 1, 10000).astype(np.uint16)


def write_raster(path: str, image: np.ndarray, driver: str = 'GTiff',
                 gsd: float = 10.0, crs: str = UTM,
                 origin: Tuple[float, float] = (600000.0, 5400000.0),
                 nodata=None) -> str:
    """Write a ``(C, H, W)`` array as a georeferenced raster.

    Args:
        path (str): Output file.
        image (np.ndarray): Pixels.
        driver (str): GDAL driver ('GTiff', 'ENVI', ...).
        gsd (float): Pixel size in CRS units.
        crs (str): CRS.
        origin (tuple): Upper-left corner (x, y).
        nodata (float, optional): Nodata value.

    Returns:
        str: ``path``.
    """
    import rasterio
    from rasterio.transform import from_origin
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with rasterio.open(path, 'w', driver=driver, width=image.shape[2],
                           height=image.shape[1], count=image.shape[0],
                           dtype=image.dtype, crs=crs, nodata=nodata,
                           transform=from_origin(*origin, gsd, gsd)) as dst:
            dst.write(image)
    return path


def write_scene(out: str, size: int = 512, seed: int = 0) -> Dict[str, str]:
    """A 13-band Sentinel-2-like GeoTIFF pair and its label.

    Args:
        out (str): Output folder.
        size (int): Side in pixels.
        seed (int): Random seed.

    Returns:
        dict: Paths of ``A``, ``B`` and ``label``.
    """
    image_a, image_b, label = spectral_pair(size, size, seed)
    return dict(
        A=write_raster(osp.join(out, 'A.tif'), image_a),
        B=write_raster(osp.join(out, 'B.tif'), image_b),
        label=write_raster(osp.join(out, 'label.tif'), label[None]))


def write_oscd(root: str, cities: Dict[str, Sequence[str]],
               size: Tuple[int, int] = (40, 48), seed: int = 0) -> None:
    """City folders in the OSCD layout.

    Args:
        root (str): Dataset root (the folder holding the Images and Labels
            folders).
        cities (dict): Split ('train', 'test') -> city names.
        size (tuple): (height, width) of every city.
        seed (int): Random seed.
    """
    images = osp.join(root, OSCD_IMAGES)
    os.makedirs(images, exist_ok=True)
    for index, (split, names) in enumerate(sorted(cities.items())):
        with open(osp.join(images, f'{split}.txt'), 'w') as file:
            file.write(','.join(names))
        for offset, city in enumerate(names):
            pair = spectral_pair(*size, seed=seed + 100 * index + offset)
            for date, image in ((1, pair[0]), (2, pair[1])):
                for band, name in enumerate(OSCD_BANDS):
                    write_raster(
                        osp.join(images, city, f'imgs_{date}_rect',
                                 f'{name}.tif'), image[band:band + 1])
            with open(osp.join(images, city, 'dates.txt'), 'w') as file:
                file.write('date_1: 20151126\ndate_2: 20170921\n')
            cm = osp.join(root, OSCD_LABELS.format(split.capitalize()), city,
                          'cm')
            os.makedirs(cm, exist_ok=True)
            cv2.imwrite(osp.join(cm, 'cm.png'), pair[2])


def write_folder_pairs(root: str, kind: str, count: int = 2,
                       size: int = 32, seed: int = 0) -> None:
    """ENVI (6-band uint16) or SAR (1-band float32) pairs in A/B/label.

    Args:
        root (str): Output folder.
        kind (str): 'envi' or 'sar'.
        count (int): Pairs.
        size (int): Side in pixels.
        seed (int): Random seed.
    """
    for index in range(count):
        image_a, image_b, label = spectral_pair(size, size, seed + index,
                                                bands=6)
        name = f'pair{index}'
        if kind == 'envi':
            for folder, image in (('A', image_a), ('B', image_b)):
                write_raster(osp.join(root, folder, name), image,
                             driver='ENVI', gsd=30.0)
        else:
            # Linear backscatter: about -13 dB, -8 dB where built.
            for folder, image in (('A', image_a), ('B', image_b)):
                sigma0 = (image[3:4].astype(np.float32) / 10000.)**2 * 4
                write_raster(osp.join(root, folder, name + '.tif'), sigma0)
        os.makedirs(osp.join(root, 'label'), exist_ok=True)
        cv2.imwrite(osp.join(root, 'label', name + '.png'), label)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('kind', choices=['scene', 'oscd', 'envi', 'sar'])
    parser.add_argument('out', help='output folder')
    parser.add_argument('--size', type=int, default=512,
                        help='side of the scene / each city / each pair')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.kind == 'scene':
        paths = write_scene(args.out, args.size, args.seed)
        print('wrote ' + ', '.join(paths.values()))
    elif args.kind == 'oscd':
        write_oscd(args.out, dict(train=['aguasclaras', 'bercy'],
                                  test=['brasilia']),
                   (args.size, args.size), args.seed)
        print(f'wrote 3 OSCD-style cities under {args.out}')
    else:
        write_folder_pairs(args.out, args.kind, size=args.size,
                           seed=args.seed)
        print(f'wrote 2 {args.kind} pairs under {args.out}/A, B, label')


if __name__ == '__main__':
    main()
