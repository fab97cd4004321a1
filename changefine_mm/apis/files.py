"""Change detection on files: one pair or two folders of pairs.

GeoTIFFs (.tif/.tiff/.vrt) go through the bounded-memory big-scene path
(:func:`~changefine_mm.apis.geotiff_inference.predict_geotiff`) and keep
their georeferencing; other images (PNG, JPEG, ...) are read whole and
predicted in memory (with sliding windows when larger than the window).

In folder mode a pair is named by its path relative to the folder
without suffix (``s1/x`` for ``A/s1/x.png`` with ``recursive=True``), and
its outputs mirror that path under the output folder, so pairs of nested
folders never share an output.

Outputs of a pair named ``NAME`` (pair mode: ``NAME`` is the ``-o`` file):

* mask: ``NAME.tif`` (uint8 0/1, nodata 255) for GeoTIFFs, ``NAME.png``
  (0/255 for binary models, class indices otherwise) for other images;
* ``NAME_prob.tif``: float32 probabilities (``prob=True``);
* ``NAME_overlay.tif``/``.png``: changes painted magenta on date B
  (``overlay=True``);
* polygons (``polygons=...``): a GeoJSON or GeoPackage file.

Every input pair is checked (readable, same size; GeoTIFFs: same grid, or
overlapping grids with ``align=True``) before the first output is
written, and every raster output is written under a temporary name and
renamed when complete, so a failure leaves no partial file behind.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.dist import barrier, get_dist_info

from changefine_mm.utils import image_io
from changefine_mm.utils.pixel_scaling import (ScaleRule, check_scalable,
                                               display_uint8)

from .atomic_output import atomic_output
from .geo import (GEO_SUFFIXES, GeoPair, import_rasterio, is_geotiff,
                  paint_changes, write_overlay)
from .geotiff_inference import check_outputs, predict_geotiff
from .polygons import FORMATS, polygon_format, write_polygons
from .progress import WindowProgress
from .scene import SceneStats

IMAGE_SUFFIXES = GEO_SUFFIXES + ('.png', '.jpg', '.jpeg', '.bmp', '.jp2')


@dataclass
class PairJob:
    """One pair to predict and where its outputs go.

    Attributes:
        name (str): Pair name (file stem; in folder mode the path relative
            to the folder without suffix, e.g. ``s1/x``).
        path_a (str): Date-A image.
        path_b (str): Date-B image.
        mask (str): Mask output.
        prob (str | None): Probability output.
        overlay (str | None): Overlay output.
        polygons (str | None): Polygon output.
        stats (SceneStats | None): Counters of a GeoTIFF run, once run.
    """
    name: str
    path_a: str
    path_b: str
    mask: str
    prob: Optional[str] = None
    overlay: Optional[str] = None
    polygons: Optional[str] = None
    stats: Optional[SceneStats] = None

    @property
    def outputs(self) -> List[Optional[str]]:
        """Every output path (None when not asked for)."""
        return [self.mask, self.prob, self.overlay, self.polygons]


def read_image(path: str,
               bands: Optional[Sequence[int]] = None,
               scale: Optional[ScaleRule] = None) -> np.ndarray:
    """Read a whole image in the training band order, bands and scaling.

    Args:
        path (str): Image file (any format of
            :mod:`changefine_mm.utils.image_io`).
        bands (Sequence[int], optional): 1-based bands to keep.
        scale (ScaleRule, optional): Pixel scaling rule; required for
            anything but 8-bit pixels.

    Returns:
        np.ndarray: ``(C, H, W)``, BGR for 3 bands (as
        ``MultiImgLoadImageFromFile`` gives them); 8-bit grey PNG/JPEG/BMP
        as 3 channels (OpenCV's colour mode).
    """
    path = str(path)
    image = image_io.read_image(path, bands)
    if bands is None and image.shape[2] == 1 and image.dtype == np.uint8 \
            and not is_geotiff(path):
        image = np.repeat(image, 3, axis=2)
    check_scalable(image.dtype, scale, path)
    if scale is not None:
        image = scale(image, image_io.plane_bands(bands, image.shape[2]))
    return np.ascontiguousarray(image.transpose(2, 0, 1))


def match_pairs(dir_a: str, dir_b: str,
                recursive: bool = False) -> List[Tuple[str, str, str]]:
    """Pair the images of two folders by file name (without suffix).

    Args:
        dir_a (str): Folder of date-A images.
        dir_b (str): Folder of date-B images.
        recursive (bool): Also pair the images of sub-folders, by their
            path relative to ``dir_a`` / ``dir_b``.

    Returns:
        list[tuple[str, str, str]]: ``(name, path_a, path_b)`` sorted by
        name; the name is the relative path without suffix, with '/'
        (``s1/x``).

    Raises:
        ValueError: Listing names found in only one folder, names used by
            two files of a folder, or an empty folder.
    """
    found = [_images_by_name(d, recursive) for d in (dir_a, dir_b)]
    only_a = sorted(set(found[0]) - set(found[1]))
    only_b = sorted(set(found[1]) - set(found[0]))
    problems = []
    if only_a:
        problems.append(f'{len(only_a)} image(s) of {dir_a} have no match '
                        f'in {dir_b}: {_listed(only_a)}')
    if only_b:
        problems.append(f'{len(only_b)} image(s) of {dir_b} have no match '
                        f'in {dir_a}: {_listed(only_b)}')
    if problems:
        raise ValueError('unmatched names: ' + '; '.join(problems))
    if not found[0]:
        nested = not recursive and any(
            _images_by_name(osp.join(dir_a, entry), True)
            for entry in os.listdir(dir_a)
            if osp.isdir(osp.join(dir_a, entry)))
        hint = (' (only in sub-folders: pass --recursive / recursive=True)'
                if nested else '')
        raise ValueError(f'no images ({", ".join(IMAGE_SUFFIXES)}) in '
                         f'{dir_a} and {dir_b}{hint}')
    return [(name, found[0][name], found[1][name])
            for name in sorted(found[0])]


def _listed(names: List[str], most: int = 20) -> str:
    more = f' and {len(names) - most} more' if len(names) > most else ''
    return ', '.join(names[:most]) + more


def _images_by_name(folder: str, recursive: bool = False) -> Dict[str, str]:
    """Images of a folder by relative path without suffix ('/')."""
    entries = sorted(os.listdir(folder)) if not recursive else sorted(
        osp.relpath(osp.join(root, name), folder)
        for root, _, names in os.walk(folder) for name in names)
    images: Dict[str, str] = {}
    for entry in entries:
        stem, suffix = osp.splitext(entry)
        stem = stem.replace(osp.sep, '/')
        # An ENVI data file has no suffix of its own, only its .hdr.
        envi = not suffix and osp.isfile(osp.join(folder, entry) + '.hdr')
        if (suffix.lower() not in IMAGE_SUFFIXES and not envi) or \
                osp.basename(stem).startswith('.'):
            continue
        if stem in images:
            raise ValueError(f'{folder} has two images named {stem}: '
                             f'{osp.relpath(images[stem], folder)} and '
                             f'{entry}')
        images[stem] = osp.join(folder, entry)
    return images


def output_path(folder: str, name: str, suffix: str) -> str:
    """Where an output of the pair ``name`` goes in an output folder.

    Args:
        folder (str): Output folder.
        name (str): Pair name, e.g. ``s1/x``.
        suffix (str): E.g. '.png'.

    Returns:
        str: ``folder/s1/x.png`` (sub-folders mirrored).
    """
    return osp.join(folder, *name.split('/')) + suffix


def plan_jobs(input_a: str,
              input_b: str,
              out: str,
              prob: bool = False,
              overlay: bool = False,
              polygons: Optional[str] = None,
              polygon_format_name: str = 'geojson',
              recursive: bool = False) -> List[PairJob]:
    """Work out the pairs and their output files.

    Args:
        input_a (str): Date-A image or folder.
        input_b (str): Date-B image or folder.
        out (str): Mask file (pair) or output folder (folders).
        prob (bool): Also write probabilities.
        overlay (bool): Also write overlays.
        polygons (str, optional): Polygon file (pair) or folder (folders).
        polygon_format_name (str): 'geojson' or 'gpkg' (folders only; a
            polygon file's suffix says its format).
        recursive (bool): Folders: pair sub-folders too, mirrored in the
            output folders.

    Returns:
        list[PairJob]: The jobs.
    """
    if osp.isdir(input_a) and osp.isdir(input_b):
        suffix = f'.{polygon_format_name.lower()}'
        if suffix not in FORMATS:
            raise ValueError(f'unknown polygon format {polygon_format_name}')
        jobs = []
        for name, path_a, path_b in match_pairs(input_a, input_b,
                                                recursive):
            ext = '.tif' if is_geotiff(path_a) else '.png'
            jobs.append(_job(name, path_a, path_b,
                             output_path(out, name, ext), prob, overlay,
                             polygons and output_path(polygons, name,
                                                      suffix)))
        return jobs
    for path in (input_a, input_b):
        if not osp.exists(path):
            raise FileNotFoundError(f'input not found: {path}')
    if osp.isdir(input_a) or osp.isdir(input_b):
        raise ValueError(f'{input_a} and {input_b} must be two image files '
                         'or two folders')
    if is_geotiff(input_a) and not is_geotiff(out):
        raise ValueError(f'GeoTIFF inputs give a GeoTIFF mask: name the '
                         f'output .tif, not {out}')
    if polygons is not None:
        polygon_format(polygons)
    name = osp.splitext(osp.basename(input_a))[0]
    return [_job(name, input_a, input_b, out, prob, overlay, polygons)]


def _job(name: str, path_a: str, path_b: str, mask: str, prob: bool,
         overlay: bool, polygons: Optional[str]) -> PairJob:
    stem = osp.splitext(mask)[0]
    overlay_ext = '.tif' if is_geotiff(path_a) else '.png'
    return PairJob(name, path_a, path_b, mask,
                   prob=stem + '_prob.tif' if prob else None,
                   overlay=stem + '_overlay' + overlay_ext if overlay else
                   None,
                   polygons=polygons)


def predict_files(inferencer,
                  input_a: str,
                  input_b: str,
                  out: str,
                  window: int = 512,
                  overlap: int = 128,
                  prob: bool = False,
                  overlay: bool = False,
                  polygons: Optional[str] = None,
                  polygon_format_name: str = 'geojson',
                  min_area: float = 0.0,
                  align: bool = False,
                  overwrite: bool = False,
                  progress: bool = True,
                  recursive: bool = False,
                  **scene_options) -> List[PairJob]:
    """Predict one pair of files or two folders of pairs.

    Under ``torch.distributed`` a single GeoTIFF pair is split by windows
    over the ranks (rank 0 writes); folders are split by pairs (each rank
    writes its own pairs).

    Args:
        inferencer (ChangeInferencer): The model.
        input_a (str): Date-A image or folder.
        input_b (str): Date-B image or folder.
        out (str): Mask file (pair) or output folder (folders).
        window (int): Window side.
        overlap (int): Window overlap.
        prob (bool): Write probabilities.
        overlay (bool): Write overlays.
        polygons (str, optional): Polygon file (pair) or folder (folders).
        polygon_format_name (str): Polygon format for folders.
        min_area (float): Smallest polygon area (square CRS units).
        align (bool): Reproject B onto A's grid when grids differ.
        overwrite (bool): Replace existing outputs.
        progress (bool): Show progress.
        recursive (bool): Folders: pair sub-folders too and mirror them in
            the output folder.
        **scene_options: ``strip_width``, ``tile``, ``compress``,
            ``gdal_cache_mb`` of :func:`predict_geotiff`.

    Returns:
        list[PairJob]: The jobs this rank ran.
    """
    jobs = plan_jobs(input_a, input_b, out, prob, overlay, polygons,
                     polygon_format_name, recursive)
    # Every rank checks every job, so all of them stop on the same error,
    # and none writes before all have checked.
    check_outputs([p for job in jobs for p in job.outputs], overwrite)
    check_inputs(jobs, align)
    barrier()
    rank, world = get_dist_info()
    share_windows = len(jobs) == 1
    mine = jobs if share_windows else jobs[rank::world]
    # Folders: one bar over the pairs (rank 0's share); a single pair:
    # the scene's bar over its windows.
    pairs = WindowProgress(len(mine), progress and not share_windows and
                           rank == 0, unit='pairs')
    for job in mine:
        if is_geotiff(job.path_a):
            _run_geotiff(inferencer, job, window, overlap, min_area, align,
                         share_windows, progress and share_windows,
                         scene_options)
        elif rank == 0 or not share_windows:
            _run_image(inferencer, job, window, overlap, min_area)
        pairs.update(1)
    pairs.close()
    return mine


def check_inputs(jobs: List[PairJob], align: bool) -> None:
    """Check every pair before anything is written.

    GeoTIFF pairs are opened as :class:`GeoPair` (readable, same bands and
    dtype, same grid or, with ``align``, overlapping grids); other pairs
    must be readable images of one size (headers only).

    Args:
        jobs (list[PairJob]): The pairs.
        align (bool): Whether B may be reprojected onto A's grid.

    Raises:
        ValueError: Listing every pair at fault with its problem.
    """
    from changefine_mm.utils.image_io import read_image_header
    problems = []
    for job in jobs:
        try:
            if is_geotiff(job.path_a):
                GeoPair(job.path_a, job.path_b, align=align).close()
                continue
            head_a, head_b = (read_image_header(p)
                              for p in (job.path_a, job.path_b))
        except (OSError, ValueError, ImportError) as err:
            problems.append(str(err))
            continue
        if head_a[:2] != head_b[:2]:
            problems.append(
                f'{job.path_a} is {head_a.width}x{head_a.height} but '
                f'{job.path_b} is {head_b.width}x{head_b.height} (width x '
                'height)')
    if len(problems) == 1:
        raise ValueError(problems[0])
    if problems:
        raise ValueError(f'{len(problems)} of {len(jobs)} pairs cannot be '
                         'used (nothing was written; fix or move these '
                         'files):\n' + '\n'.join(f'- {p}' for p in problems))


def _run_geotiff(inferencer, job: PairJob, window: int, overlap: int,
                 min_area: float, align: bool, share_windows: bool,
                 progress: bool, scene_options: dict) -> None:
    job.stats = predict_geotiff(
        inferencer, job.path_a, job.path_b, job.mask, job.prob,
        window=window, overlap=overlap, align=align, overwrite=True,
        share_windows=share_windows, progress=progress, **scene_options)
    if share_windows and get_dist_info()[0] != 0:
        return
    if job.overlay:
        write_scene_overlay(inferencer, job, scene_options.get('tile', 256))
    if job.polygons:
        write_polygons(job.mask, job.polygons, min_area)


def write_scene_overlay(inferencer, job: PairJob, tile: int,
                        paint: Callable = paint_changes) -> None:
    """Paint a GeoTIFF pair's written mask on date B, block by block.

    Args:
        inferencer: The model (its 3 ``bands`` are date B's RGB, else
            bands 1, 2, 3).
        job (PairJob): The pair, its mask and overlay paths.
        tile (int): Output tile side.
        paint (callable): ``(rgb, mask) -> painted`` of
            :func:`~changefine_mm.apis.geo.write_overlay`.
    """
    rgb = inferencer.bands if len(inferencer.bands or ()) == 3 else \
        (1, 2, 3)
    write_overlay(job.path_b, job.mask, job.overlay, tile=tile,
                  rgb_bands=rgb, paint=paint)


def predict_image_job(inferencer, job: PairJob, window: int,
                      overlap: int) -> Tuple[np.ndarray, np.ndarray]:
    """Read a pair of plain images and predict it in memory: whole, or in
    overlapping windows when it is larger than one window.

    Args:
        inferencer: A :class:`ChangeInferencer` (binary or semantic).
        job (PairJob): The pair's input paths.
        window (int): Window side in pixels.
        overlap (int): Overlap of neighbouring windows in pixels.

    Returns:
        tuple[np.ndarray, np.ndarray]: The (C, H, W) date-B image as read
        (overlays paint on it) and the inferencer's per-pixel
        probabilities of the pair.
    """
    image_a, image_b = inferencer.load(job.path_a), inferencer.load(job.path_b)
    inferencer.check_pair([image_a, image_b], job.path_a, job.path_b)
    if max(image_a.shape[1:]) > window:
        return image_b, inferencer.predict_pair(image_a, image_b, window,
                                                overlap)
    return image_b, inferencer.predict_arrays([image_a], [image_b])[0]


def _run_image(inferencer, job: PairJob, window: int, overlap: int,
               min_area: float) -> None:
    image_b, probs = predict_image_job(inferencer, job, window, overlap)
    mask = inferencer.decide(probs)
    for path in job.outputs:
        if path is not None and osp.dirname(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
    _write_image(job.mask, mask * 255 if len(probs) == 1 else mask)
    if job.prob:
        _write_plain_prob(job.prob, probs)
    if job.overlay:
        write_image_overlay(job.overlay, image_b, mask)
    if job.polygons:
        write_polygons(mask, job.polygons, min_area)


def write_image_overlay(path: str, image_b: np.ndarray, mask: np.ndarray,
                        paint: Callable = paint_changes) -> None:
    """Paint a mask on date B of a plain image pair and write it.

    Args:
        path (str): Image file to write (PNG).
        image_b (np.ndarray): (C, H, W) date B as read (BGR for 3 bands).
        mask (np.ndarray): (H, W) mask (or from-to codes).
        paint (callable): ``(rgb, mask) -> painted`` of
            :func:`~changefine_mm.apis.geo.write_overlay`.
    """
    rgb = image_b[::-1].transpose(1, 2, 0) if len(image_b) == 3 else \
        np.repeat(image_b[:1].transpose(1, 2, 0), 3, axis=2)
    painted = paint(np.ascontiguousarray(display_uint8(rgb)), mask)
    _write_image(path, painted[..., ::-1])


def _write_image(path: str, image: np.ndarray) -> None:
    with atomic_output(path) as partial:
        if not cv2.imwrite(partial, np.ascontiguousarray(image)):
            raise ValueError(f'cannot write {path} (unknown image suffix or '
                             'folder not writable)')


def _write_plain_prob(path: str, probs: np.ndarray) -> None:
    """Probabilities of a plain image as a float32 TIFF (no georef)."""
    rasterio = import_rasterio()
    import warnings

    from rasterio.errors import NotGeoreferencedWarning
    with warnings.catch_warnings(), atomic_output(path) as partial:
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with rasterio.open(partial, 'w', driver='GTiff',
                           width=probs.shape[2],
                           height=probs.shape[1], count=len(probs),
                           dtype='float32') as dst:
            dst.write(probs.astype(np.float32))
