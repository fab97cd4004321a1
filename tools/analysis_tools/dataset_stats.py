"""Per-band statistics of a dataset split, for pixel scaling and
normalisation.

Reads every image of both dates of the split (the bands that the config's
``MultiImgLoadImageFromFile`` selects, raw values, no scaling) and writes a
JSON file with, per file band, the pixel count, mean, std, min, max and
percentiles. Memory is bounded: images are read one at a time into
per-band histograms (exact for integer pixels of up to 16 bits; 4096 bins
between the observed min and max, in a second pass, for other types).
NaN pixels are left out.

The file is what ``scale=dict(type='dataset_stats', file=...)`` and
``DualInputSegDataPreProcessor(stats_file=...)`` read.

Example:
    python tools/analysis_tools/dataset_stats.py \\
        configs/oscd/fc_ef_128x128_20k_oscd.py --out data/OSCD/stats.json
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.utils import ProgressBar

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from changefine_mm.utils.image_io import plane_bands, read_image  # noqa: E402

FLOAT_BINS = 4096
DEFAULT_PERCENTILES = (0.5, 1, 2, 5, 25, 50, 75, 95, 98, 99, 99.5)


class BandAccumulator:
    """Streaming per-band moments, extremes and histograms.

    Args:
        bands (Sequence[int]): File band number of each plane.
        integer (bool): Pixels are integers of up to 16 bits (exact
            histograms over their values).
        value_range (tuple, optional): (min, max) of the histogram of
            non-integer pixels (known after a first pass).
    """

    def __init__(self, bands: Sequence[int], integer: bool,
                 value_range: Optional[tuple] = None) -> None:
        count = len(bands)
        self.bands = list(bands)
        self.integer = integer
        self.value_range = value_range
        self.count = np.zeros(count, np.int64)
        self.sum = np.zeros(count, np.float64)
        self.sum_sq = np.zeros(count, np.float64)
        self.min = np.full(count, np.inf)
        self.max = np.full(count, -np.inf)
        bins = 65536 if integer else FLOAT_BINS
        self.hist = np.zeros((count, bins), np.int64) if (
            integer or value_range is not None) else None

    def add(self, image: np.ndarray) -> None:
        """Add one ``(H, W, C)`` image."""
        for plane in range(image.shape[2]):
            values = image[..., plane].ravel()
            if not self.integer:
                values = values[~np.isnan(values)]
            if not values.size:
                continue
            wide = values.astype(np.float64)
            self.count[plane] += values.size
            self.sum[plane] += wide.sum()
            self.sum_sq[plane] += np.square(wide).sum()
            self.min[plane] = min(self.min[plane], wide.min())
            self.max[plane] = max(self.max[plane], wide.max())
            if self.hist is None:
                continue
            if self.integer:
                offset = values.astype(np.int64) + (
                    32768 if values.dtype.kind == 'i' else 0)
                self.hist[plane] += np.bincount(offset, minlength=65536)
            else:
                low, high = self.value_range[0][plane], \
                    self.value_range[1][plane]
                self.hist[plane] += np.histogram(
                    wide, FLOAT_BINS, (low, max(high, low + 1e-12)))[0]

    def percentiles(self, levels: Sequence[float],
                    dtype: np.dtype) -> Dict[str, List[float]]:
        """Percentiles per band from the histograms.

        Args:
            levels (Sequence[float]): Percentiles (0..100).
            dtype (np.dtype): Pixel dtype (signed integers are offset).

        Returns:
            dict: ``'2' -> [one value per band]``.
        """
        result = {}
        for level in levels:
            values = []
            for plane in range(len(self.bands)):
                cumulative = np.cumsum(self.hist[plane])
                rank = level / 100. * max(cumulative[-1] - 1, 0)
                index = int(np.searchsorted(cumulative, rank, side='right'))
                values.append(self._bin_value(plane, index, dtype))
            result[f'{float(level):g}'] = values
        return result

    def _bin_value(self, plane: int, index: int, dtype: np.dtype) -> float:
        if self.integer:
            return float(index - (32768 if dtype.kind == 'i' else 0))
        low, high = self.value_range[0][plane], self.value_range[1][plane]
        return float(low + (index + 0.5) * (high - low) / FLOAT_BINS)

    def summary(self) -> dict:
        """Count, mean, std, min and max per band, ordered by band."""
        mean = self.sum / np.maximum(self.count, 1)
        var = self.sum_sq / np.maximum(self.count, 1) - np.square(mean)
        return dict(count=self.count.tolist(), mean=mean.tolist(),
                    std=np.sqrt(np.maximum(var, 0)).tolist(),
                    min=self.min.tolist(), max=self.max.tolist())


def loading_step(cfg: Config, split: str) -> dict:
    """The split's ``MultiImgLoadImageFromFile`` settings (bands)."""
    pipeline = cfg[f'{split}_dataloader']['dataset'].get('pipeline', [])
    for step in pipeline:
        if step.get('type') == 'MultiImgLoadImageFromFile':
            return step
    return {}


def split_images(cfg: Config, split: str) -> List:
    """Image sources (paths, or band-file lists) of both dates of a split."""
    import changefine_mm
    from changefine_mm.registry import DATASETS
    changefine_mm.register_all_modules()
    dataset_cfg = dict(cfg[f'{split}_dataloader']['dataset'])
    dataset_cfg.update(pipeline=[], lazy_init=False)
    dataset = DATASETS.build(dataset_cfg)
    return [path for i in range(len(dataset))
            for path in dataset.get_data_info(i)['img_path']]


def _images(sources: List, bands: Optional[Sequence[int]],
            progress: bool) -> Iterator[np.ndarray]:
    bar = ProgressBar(len(sources)) if progress else None
    for source in sources:
        yield read_image(source, bands)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.file.write('\n')


def compute_stats(sources: List, bands: Optional[Sequence[int]],
                  levels: Sequence[float] = DEFAULT_PERCENTILES,
                  progress: bool = True) -> dict:
    """Statistics of some images, band by band.

    Args:
        sources (list): Image files (or lists of band files).
        bands (Sequence[int], optional): 1-based bands to read.
        levels (Sequence[float]): Percentiles to report.
        progress (bool): Show a progress bar (one per pass).

    Returns:
        dict: The content of the statistics file.
    """
    if not sources:
        raise ValueError('the split has no images')
    first = read_image(sources[0], bands)
    dtype = first.dtype
    numbers = plane_bands(bands, first.shape[2])
    integer = dtype.kind in 'ui' and dtype.itemsize <= 2
    acc = BandAccumulator(numbers, integer)
    for image in _images(sources, bands, progress):
        acc.add(image)
    if not integer:  # second pass: histograms between the extremes
        moments = acc
        acc = BandAccumulator(numbers, False, (moments.min, moments.max))
        for image in _images(sources, bands, progress):
            acc.add(image)
    order = np.argsort(numbers)
    summary = acc.summary()
    stats = dict(bands=[numbers[i] for i in order], dtype=dtype.name,
                 images=len(sources))
    stats.update({k: [v[i] for i in order] for k, v in summary.items()})
    stats['percentiles'] = {
        k: [v[i] for i in order]
        for k, v in acc.percentiles(levels, dtype).items()
    }
    return stats


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Per-band statistics of a dataset split')
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'],
                        help='which dataloader\'s dataset to read')
    parser.add_argument('--out', default=None,
                        help='JSON file (default: <data_root>/'
                        'dataset_stats.json)')
    parser.add_argument('--bands', type=int, nargs='+', default=None,
                        help='1-based bands (default: the config\'s '
                        'loading bands, else all)')
    parser.add_argument('--percentiles', type=float, nargs='+',
                        default=list(DEFAULT_PERCENTILES))
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides (key=value)')
    return parser.parse_args(argv)


def main(argv=None) -> str:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    bands = args.bands or loading_step(cfg, args.split).get('bands')
    stats = compute_stats(split_images(cfg, args.split), bands,
                          args.percentiles, not args.no_progress)
    stats.update(config=args.config, split=args.split)
    out = args.out or osp.join(
        cfg[f'{args.split}_dataloader']['dataset'].get('data_root', ''),
        'dataset_stats.json')
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    with open(out, 'w') as file:
        json.dump(stats, file, indent=1)
    print(f'wrote {out}: {len(stats["bands"])} band(s) of '
          f'{stats["images"]} image(s)')
    return out


if __name__ == '__main__':
    main()
