"""Windowed GeoTIFF input and output (rasterio, imported lazily).

:class:`GeoPair` reads the same window of two co-registered rasters (or of
A and of B reprojected onto A's grid) together with their validity;
:class:`GeoTiffSink` writes blended blocks to a tiled, compressed mask
GeoTIFF and an optional float probability GeoTIFF on the input's grid.
Nothing here holds more than a window or a block of a scene. Outputs are
written under temporary names and renamed when complete
(:mod:`~changefine_mm.apis.atomic_output`); read errors name the file.
"""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .atomic_output import atomic_output, discard, partial_path, publish

MASK_NODATA = 255
GEO_SUFFIXES = ('.tif', '.tiff', '.vrt')
INSTALL_HINT = ('GeoTIFF input/output needs rasterio: '
                'pip install "changefine-mm[geo]" (or pip install rasterio)')


def import_rasterio():
    """Import rasterio or explain how to install it.

    Returns:
        module: ``rasterio``.

    Raises:
        ImportError: With the install command when rasterio is missing.
    """
    try:
        import rasterio
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    return rasterio


def is_geotiff(path: str) -> bool:
    """Whether a file is read as a georeferenced raster scene (windows,
    GeoTIFF outputs on its grid).

    Args:
        path (str): File path.

    Returns:
        bool: True for .tif/.tiff/.vrt, and for an ENVI data file (its
        ``.hdr`` beside it: ``A`` with ``A.hdr``, ``A.img`` with
        ``A.hdr``), whose georeference rasterio reads from the header.
    """
    path = str(path)
    stem, suffix = osp.splitext(path)
    if suffix.lower() in GEO_SUFFIXES:
        return True
    return suffix.lower() != '.hdr' and any(
        osp.isfile(name + '.hdr') for name in {path, stem})


def open_raster(path: str):
    """Open a raster for reading with a clear error when that fails.

    Args:
        path (str): Raster file.

    Returns:
        rasterio.DatasetReader: The open dataset.
    """
    rasterio = import_rasterio()
    if not osp.isfile(path):
        raise FileNotFoundError(f'input image not found: {path}')
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        raise ValueError(
            f'cannot read {path} as a raster image (corrupt, truncated or '
            f'not a GeoTIFF): {err}') from err


def grid_differences(src_a, src_b) -> List[str]:
    """What differs between the grids of two rasters.

    Args:
        src_a: Open rasterio dataset of date A.
        src_b: Open rasterio dataset of date B.

    Returns:
        list[str]: One line per difference (size, CRS, transform).
    """
    lines = []
    if (src_a.width, src_a.height) != (src_b.width, src_b.height):
        lines.append(f'size {src_a.width}x{src_a.height} vs '
                     f'{src_b.width}x{src_b.height} (width x height)')
    if src_a.crs != src_b.crs:
        lines.append(f'CRS {src_a.crs} vs {src_b.crs}')
    if not src_a.transform.almost_equals(src_b.transform):
        lines.append(f'transform {tuple(src_a.transform)[:6]} vs '
                     f'{tuple(src_b.transform)[:6]}')
    return lines


def grid_overlap_problem(src_a, src_b, path_a: str,
                         path_b: str) -> Optional[str]:
    """Why B cannot be reprojected onto A's grid, if it cannot.

    Args:
        src_a: Open rasterio dataset of date A.
        src_b: Open rasterio dataset of date B.
        path_a (str): Date-A file, for the message.
        path_b (str): Date-B file, for the message.

    Returns:
        str | None: None when B's footprint overlaps A's grid; else a
        message naming both files, their bounds and CRS.
    """
    if (src_a.crs is None) != (src_b.crs is None):
        missing = path_a if src_a.crs is None else path_b
        return (f'{missing} has no CRS, so B cannot be placed on A\'s grid '
                f'({path_a} (A), {path_b} (B))')
    bounds_a = _ordered(src_a.bounds)
    bounds_b = _ordered(src_b.bounds)
    if src_a.crs is not None and src_a.crs != src_b.crs:
        from rasterio.warp import transform_bounds
        bounds_b = _ordered(transform_bounds(src_b.crs, src_a.crs,
                                             *src_b.bounds))
    if min(bounds_a[2], bounds_b[2]) > max(bounds_a[0], bounds_b[0]) and \
            min(bounds_a[3], bounds_b[3]) > max(bounds_a[1], bounds_b[1]):
        return None
    return (f'{path_a} (A) and {path_b} (B) do not overlap, so --align '
            'would give an all-nodata mask: A covers '
            f'{_bounds_text(bounds_a)}, B covers {_bounds_text(bounds_b)} '
            f'(left, bottom, right, top in {src_a.crs or "pixels"}). '
            'Check that the two files show the same place.')


def _ordered(bounds) -> tuple:
    left, bottom, right, top = bounds
    return (min(left, right), min(bottom, top), max(left, right),
            max(bottom, top))


def _bounds_text(bounds: tuple) -> str:
    return '(' + ', '.join(f'{v:.10g}' for v in bounds) + ')'


def read_error(path: str, what: str, err: Exception) -> ValueError:
    """A read error that names the file.

    Args:
        path (str): The raster being read.
        what (str): What was read, e.g. 'window 512x512 at (0, 1024)'.
        err (Exception): The rasterio error.

    Returns:
        ValueError: 'cannot read ... of PATH (corrupt or truncated?): ...'.
    """
    return ValueError(f'cannot read {what} of {path} (corrupt or truncated '
                      f'file?): {err}. Copy or export the file again '
                      '(gdalinfo -checksum FILE reads every block).')


def _band_list(bands: Optional[Sequence[int]], count: int,
               path: str) -> List[int]:
    """1-based band numbers to read, checked against the raster."""
    if bands is None:
        return list(range(1, count + 1))
    wrong = [b for b in bands if not 1 <= int(b) <= count]
    if wrong or not bands:
        raise ValueError(f'{path} has {count} band(s); bands {list(bands)} '
                         f'must be 1-based numbers up to {count}')
    return [int(b) for b in bands]


class GeoPair:
    """Read matching windows of a date-A and a date-B raster.

    The rasters must share size, CRS and transform; with ``align=True`` B
    is instead reprojected on the fly (a GDAL warped VRT, bilinear) onto
    A's grid, and pixels outside B's footprint become nodata. Both must
    have the same band count and data type in any case.

    Args:
        path_a (str): Date-A raster.
        path_b (str): Date-B raster.
        align (bool): Reproject B onto A's grid instead of refusing a
            different grid.
        bands (Sequence[int], optional): 1-based bands to read, in this
            order (all bands by default).
    """

    def __init__(self, path_a: str, path_b: str, align: bool = False,
                 bands: Optional[Sequence[int]] = None) -> None:
        self.path_a, self.path_b = str(path_a), str(path_b)
        self.src_a = open_raster(self.path_a)
        try:
            self.src_b = open_raster(self.path_b)
        except Exception:
            self.src_a.close()
            raise
        self.vrt_b = None
        try:
            self._check(align)
            self.bands = _band_list(bands, self.src_a.count, self.path_a)
        except Exception:
            self.close()
            raise

    def _check(self, align: bool) -> None:
        src_a, src_b = self.src_a, self.src_b
        fixed = []
        if src_a.count != src_b.count:
            fixed.append(f'band count {src_a.count} vs {src_b.count}')
        if src_a.dtypes[0] != src_b.dtypes[0]:
            fixed.append(f'data type {src_a.dtypes[0]} vs {src_b.dtypes[0]}')
        grid = grid_differences(src_a, src_b)
        if fixed or (grid and not align):
            hint = (' Pass --align (align=True) to reproject B onto A\'s '
                    'grid.' if grid and not fixed else '')
            raise ValueError(
                f'{self.path_a} (A) and {self.path_b} (B) do not match: ' +
                '; '.join(fixed + grid) + '.' + hint)
        if grid:
            problem = grid_overlap_problem(src_a, src_b, self.path_a,
                                           self.path_b)
            if problem:
                raise ValueError(problem)
            from rasterio.enums import Resampling
            from rasterio.vrt import WarpedVRT
            self.vrt_b = WarpedVRT(
                src_b, crs=src_a.crs, transform=src_a.transform,
                width=src_a.width, height=src_a.height,
                resampling=Resampling.bilinear,
                add_alpha=src_b.nodata is None)

    @property
    def shape(self) -> Tuple[int, int]:
        """(height, width) of the grid."""
        return self.src_a.height, self.src_a.width

    @property
    def count(self) -> int:
        """Bands per date (the selected ones)."""
        return len(self.bands)

    def overview(self, max_side: int = 512) -> List[np.ndarray]:
        """Decimated float32 reads of both dates, NaN where nodata.

        For fitting a per-scene pixel scaling without reading the scene.

        Args:
            max_side (int): Longest side of the overview.

        Returns:
            list[np.ndarray]: A and B as ``(h, w, C)`` in the band order of
            :meth:`read`.
        """
        factor = max(1, -(-max(self.shape) // max_side))
        shape = (self.count, max(1, self.shape[0] // factor),
                 max(1, self.shape[1] // factor))
        views = []
        for src in (self.src_a, self.vrt_b or self.src_b):
            image = src.read(self.bands, out_shape=shape, masked=True)
            image = image.astype(np.float32).filled(np.nan)
            views.append(np.ascontiguousarray(
                (image[::-1] if self.count == 3 else image).transpose(
                    1, 2, 0)))
        return views

    def read(self, window) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Read one window of both dates.

        Args:
            window (Window): Pixel window of the grid.

        Returns:
            tuple: A and B as ``(C, h, w)`` arrays in the training band
            order (BGR for 3 bands), and ``valid`` ``(h, w)`` bool, False
            where A or B is nodata (nodata value, mask or alpha band).
        """
        from rasterio.windows import Window as RioWindow
        rio_window = RioWindow(window.col, window.row, window.width,
                               window.height)
        bands = self.bands
        src_b = self.vrt_b or self.src_b
        what = (f'window {window.width}x{window.height} at column '
                f'{window.col}, row {window.row}')
        rasterio = import_rasterio()
        reads = []
        for src, path in ((self.src_a, self.path_a), (src_b, self.path_b)):
            try:
                reads.append((src.read(bands, window=rio_window),
                              src.dataset_mask(window=rio_window) > 0))
            except rasterio.errors.RasterioError as err:
                raise read_error(path, what, err) from err
        (image_a, valid_a), (image_b, valid_b) = reads
        valid = valid_a & valid_b
        if self.count == 3:  # RGB on disk, BGR in the training pipeline
            image_a, image_b = image_a[::-1], image_b[::-1]
        return image_a, image_b, valid

    def close(self) -> None:
        """Close every dataset."""
        for dataset in (self.vrt_b, self.src_b, self.src_a):
            if dataset is not None:
                dataset.close()

    def __enter__(self) -> 'GeoPair':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def raster_profile(src, count: int, dtype: str, nodata: float, tile: int,
                   compress: str) -> dict:
    """Profile of an output raster on the grid of ``src``.

    Args:
        src: Open rasterio dataset giving CRS, transform and size.
        count (int): Bands.
        dtype (str): Data type.
        nodata (float): Nodata value.
        tile (int): Tile side (multiple of 16).
        compress (str): GDAL compression ('deflate', 'lzw', ...).

    Returns:
        dict: Keyword arguments for ``rasterio.open(..., 'w')``.
    """
    if tile % 16:
        raise ValueError(f'GeoTIFF tiles must be a multiple of 16, got {tile}')
    profile = dict(driver='GTiff', width=src.width, height=src.height,
                   count=count, dtype=dtype, crs=src.crs,
                   transform=src.transform, nodata=nodata, tiled=True,
                   blockxsize=tile, blockysize=tile, compress=compress,
                   BIGTIFF='IF_SAFER')
    if compress in ('deflate', 'lzw', 'zstd'):
        profile['predictor'] = 3 if dtype == 'float32' else 2
    return profile


class GeoTiffSink:
    """Write blended blocks to a mask GeoTIFF (+ probability GeoTIFF).

    The mask is uint8 (0/1, or class indices) with nodata 255 (other
    types through ``dtype``/``nodata``); the
    probabilities are float32 (one band for binary models, one per class
    otherwise) with nodata NaN. Both use A's CRS and transform.

    Args:
        src: Open rasterio dataset giving the grid (date A).
        mask_path (str): Mask GeoTIFF to write.
        decide (callable): ``(K, h, w) probabilities -> (h, w) uint8``.
        channels (int): Probability channels.
        prob_path (str, optional): Probability GeoTIFF to write.
        tile (int): Tile side.
        compress (str): GDAL compression.
        dtype (str): Data type of the mask.
        nodata (int): Its nodata value.
    """

    def __init__(self, src, mask_path: str, decide, channels: int,
                 prob_path: Optional[str] = None, tile: int = 256,
                 compress: str = 'deflate', dtype: str = 'uint8',
                 nodata: int = MASK_NODATA) -> None:
        rasterio = import_rasterio()
        self.decide = decide
        # Written under temporary names, renamed by close() when complete.
        self.paths = [p for p in (mask_path, prob_path) if p is not None]
        self.mask = self.prob = None
        try:
            self.mask = rasterio.open(
                partial_path(mask_path), 'w',
                **raster_profile(src, 1, dtype, nodata, tile, compress))
            if prob_path is not None:
                self.prob = rasterio.open(
                    partial_path(prob_path), 'w',
                    **raster_profile(src, channels, 'float32', float('nan'),
                                     tile, compress))
        except BaseException:
            self.close(complete=False)
            raise

    def __call__(self, row: int, col: int, probs: np.ndarray,
                 valid: np.ndarray) -> None:
        """Write one finished block (see :data:`sliding.Sink`)."""
        from rasterio.windows import Window as RioWindow
        window = RioWindow(col, row, probs.shape[2], probs.shape[1])
        self.mask.write(self.decide(probs)[None], window=window)
        if self.prob is not None:
            self.prob.write(probs, window=window)

    def close(self, complete: bool = True) -> None:
        """Close the outputs: rename them onto their names if complete,
        else delete them (a failed run leaves no partial output).

        Args:
            complete (bool): Whether every block was written.
        """
        for dataset in (self.mask, self.prob):
            if dataset is not None:
                dataset.close()
        for path in self.paths:
            if complete:
                publish(partial_path(path), path)
            else:
                discard(partial_path(path))


def paint_changes(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Paint a binary mask's changes on an image (magenta, outlined).

    Args:
        rgb (np.ndarray): (H, W, 3) uint8 RGB image.
        mask (np.ndarray): (H, W) mask: > 0 changed, ``MASK_NODATA``
            nodata.

    Returns:
        np.ndarray: (H, W, 3) uint8 overlay.
    """
    from changefine_mm.visualization import overlay_changes
    return overlay_changes(rgb, (mask > 0) & (mask != MASK_NODATA))


def write_overlay(image_path: str, mask_path: str, out_path: str,
                  tile: int = 256, compress: str = 'deflate',
                  rgb_bands: Sequence[int] = (1, 2, 3),
                  paint: Callable[[np.ndarray, np.ndarray],
                                  np.ndarray] = paint_changes) -> None:
    """Paint the changes of a mask onto an RGB raster, block by block.

    Non-8-bit images are stretched for display only (see
    ``_display_scale``); the model never sees this stretch.

    Args:
        image_path (str): RGB raster (usually date B).
        mask_path (str): Mask GeoTIFF written by the inference.
        out_path (str): RGB GeoTIFF to write, on the mask's grid.
        tile (int): Tile side.
        compress (str): GDAL compression.
        rgb_bands (Sequence[int]): Red, green and blue band numbers, e.g.
            ``(4, 3, 2)`` for Sentinel-2.
        paint (callable): ``(rgb block, mask block) -> painted block``
            (default :func:`paint_changes`; semantic change paints each
            class in its colour).
    """
    rasterio = import_rasterio()
    from rasterio.windows import Window as RioWindow
    rgb_bands = [int(b) for b in rgb_bands]
    with open_raster(image_path) as src, rasterio.open(mask_path) as mask:
        if src.count < max(rgb_bands):
            raise ValueError(f'--overlay needs RGB bands {rgb_bands}, '
                             f'{image_path} has {src.count} band(s)')
        profile = raster_profile(mask, 3, 'uint8', None, tile, compress)
        scale = _display_scale(src, rgb_bands)
        with atomic_output(out_path) as partial, \
                rasterio.open(partial, 'w', **profile) as dst:
            for row in range(0, mask.height, tile):
                for col in range(0, mask.width, tile):
                    height = min(tile, mask.height - row)
                    width = min(tile, mask.width - col)
                    # One pixel more on each side (inside the raster):
                    # the outlines of regions that cross the block's edge
                    # then are those of the whole scene.
                    top, left = max(row - 1, 0), max(col - 1, 0)
                    halo = RioWindow(
                        left, top,
                        min(col + width + 1, mask.width) - left,
                        min(row + height + 1, mask.height) - top)
                    try:
                        rgb = src.read(rgb_bands, window=halo)
                    except rasterio.errors.RasterioError as err:
                        raise read_error(image_path, f'block at column '
                                         f'{col}, row {row}', err) from err
                    if scale is not None:
                        rgb = np.clip(rgb / scale * 255, 0, 255)
                    painted = paint(rgb.astype(np.uint8).transpose(1, 2, 0),
                                    mask.read(1, window=halo))
                    block = painted[row - top:row - top + height,
                                    col - left:col - left + width]
                    dst.write(block.transpose(2, 0, 1),
                              window=RioWindow(col, row, width, height))


def _display_scale(src, rgb_bands: Sequence[int] = (1, 2, 3)
                   ) -> Optional[float]:
    """Value shown as white for non-8-bit images (None for uint8).

    The 99th percentile of a decimated read (at most 1024x1024 pixels)
    stretches the whole scene the same way, block after block.
    """
    if src.dtypes[0] == 'uint8':
        return None
    preview = src.read(list(rgb_bands),
                       out_shape=(3, min(src.height, 1024),
                                  min(src.width, 1024)))
    return max(float(np.percentile(preview, 99)), 1.0)
