"""Semantic change detection on files: one pair or two folders of pairs.

The pairs, their checks and their names are the binary path's
(:func:`~changefine_mm.apis.files.plan_jobs`, ``check_inputs``,
``check_outputs``). Outputs of a pair named ``NAME`` (pair mode: ``NAME``
is the ``-o`` file, which must be a ``.tif``):

* ``NAME.tif``: the from-to code raster with its colour table
  (:mod:`~changefine_mm.apis.scd_inference`), georeferenced like date A
  when date A is;
* ``NAME_from.tif``, ``NAME_to.tif``: each date's class map
  (``covers=True``);
* ``NAME_prob.tif``: the ``1 + 2K`` probabilities (``prob=True``);
* ``NAME_overlay.tif`` (GeoTIFF input) or ``.png``: changed pixels in
  the colour of their *to* class on date B (``overlay=True``,
  :mod:`~changefine_mm.apis.scd_overlay`);
* polygons with ``code``, ``from``, ``to`` and ``area`` (``polygons=``,
  GeoJSON or GeoPackage as the binary path writes them).

GeoTIFF pairs are predicted window by window with bounded memory
(:func:`~changefine_mm.apis.scd_geotiff.predict_scd_geotiff`); other
images (PNG, JPEG, ENVI, ...) are read whole and predicted in memory,
with the same blended windows when larger than the window. Under
``torch.distributed`` a single GeoTIFF pair is split by windows over the
ranks (rank 0 writes); folders are split by pairs.
"""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dist import barrier, get_dist_info

from .files import (PairJob, check_inputs, plan_jobs, predict_image_job,
                    write_image_overlay, write_scene_overlay)
from .geo import is_geotiff
from .geotiff_inference import check_outputs
from .inferencer import NODATA
from .progress import WindowProgress
from .scd_geotiff import class_colours, cover_paths, predict_scd_geotiff
from .scd_inference import (write_from_to_polygons, write_from_to_raster,
                            write_raster)
from .scd_overlay import Painter, from_to_painter


def plan_scd_jobs(input_a: str, input_b: str, out: str, prob: bool,
                  polygons: Optional[str], recursive: bool,
                  overlay: bool = False,
                  polygon_format_name: str = 'geojson') -> List[PairJob]:
    """The pairs and their outputs (``NAME.tif`` for every input type).

    Args:
        input_a (str): Date-A image or folder.
        input_b (str): Date-B image or folder.
        out (str): From-to ``.tif`` (pair) or output folder (folders).
        prob (bool): Also write probabilities.
        polygons (str, optional): ``.geojson``/``.gpkg`` file (pair) or
            folder.
        recursive (bool): Folders: pair sub-folders too.
        overlay (bool): Also write overlays.
        polygon_format_name (str): 'geojson' or 'gpkg' (folders).

    Returns:
        list[PairJob]: The jobs (``mask`` is the from-to raster).
    """
    folders = osp.isdir(input_a) and osp.isdir(input_b)
    if folders and osp.isfile(out):
        raise ValueError(f'{out} is a file, but two folders of pairs give '
                         'one NAME.tif per pair: name an output folder')
    suffix = osp.splitext(out)[1].lower()
    if not folders and suffix not in ('.tif', '.tiff'):
        raise ValueError(f'semantic change inference writes a GeoTIFF with '
                         f'a colour table: name the output .tif, not {out}')
    jobs = plan_jobs(input_a, input_b, out, prob, overlay, polygons,
                     polygon_format_name, recursive)
    for job in jobs:
        stem = osp.splitext(job.mask)[0]
        job.mask = stem + '.tif'
        job.prob = stem + '_prob.tif' if prob else None
    return jobs


def predict_scd_files(inferencer,
                      input_a: str,
                      input_b: str,
                      out: str,
                      window: int = 512,
                      overlap: int = 128,
                      prob: bool = False,
                      covers: bool = False,
                      overlay: bool = False,
                      polygons: Optional[str] = None,
                      polygon_format_name: str = 'geojson',
                      min_area: float = 0.0,
                      align: bool = False,
                      overwrite: bool = False,
                      progress: bool = True,
                      recursive: bool = False,
                      **scene_options) -> List[PairJob]:
    """Predict one pair of files or two folders of pairs (module doc).

    Args:
        inferencer (SCDInferencer): The semantic change model.
        input_a (str): Date-A image or folder.
        input_b (str): Date-B image or folder.
        out (str): From-to ``.tif`` (pair) or output folder (folders).
        window (int): Window side.
        overlap (int): Window overlap.
        prob (bool): Write probabilities.
        covers (bool): Write each date's class map.
        overlay (bool): Write overlays on date B.
        polygons (str, optional): Polygon file (pair: ``.geojson`` or
            ``.gpkg``) or folder.
        polygon_format_name (str): Polygon format for folders ('geojson'
            or 'gpkg').
        min_area (float): Smallest polygon area (square CRS units).
        align (bool): Reproject B onto A's grid when grids differ.
        overwrite (bool): Replace existing outputs.
        progress (bool): Show progress.
        recursive (bool): Folders: pair sub-folders too.
        **scene_options: ``strip_width``, ``tile``, ``compress``,
            ``gdal_cache_mb`` of :func:`predict_geotiff`.

    Returns:
        list[PairJob]: The jobs this rank ran.
    """
    jobs = plan_scd_jobs(input_a, input_b, out, prob, polygons, recursive,
                         overlay, polygon_format_name)
    outputs = [p for job in jobs for p in job.outputs]
    if covers:
        outputs += [p for job in jobs for p in cover_paths(job.mask)]
    check_outputs(outputs, overwrite)
    check_inputs(jobs, align)
    barrier()
    rank, world = get_dist_info()
    share_windows = len(jobs) == 1
    mine = jobs if share_windows else jobs[rank::world]
    pairs = WindowProgress(len(mine), progress and not share_windows and
                           rank == 0, unit='pairs')
    paint = from_to_painter(len(inferencer.classes), inferencer.palette)
    # A single pair split by windows: rank 0 writes its outputs.
    writes = rank == 0 or not share_windows
    for job in mine:
        if is_geotiff(job.path_a):
            job.stats = predict_scd_geotiff(
                inferencer, job.path_a, job.path_b, job.mask, job.prob,
                covers, overwrite=True, window=window, overlap=overlap,
                align=align, share_windows=share_windows,
                progress=progress and share_windows, **scene_options)
            if job.overlay and writes:
                write_scene_overlay(inferencer, job,
                                    scene_options.get('tile', 256), paint)
        elif writes:
            _run_image(inferencer, job, window, overlap, covers, paint)
        if job.polygons and writes:
            write_from_to_polygons(job.mask, job.polygons,
                                   inferencer.classes, min_area)
        pairs.update(1)
    pairs.close()
    return mine


def _run_image(inferencer, job: PairJob, window: int, overlap: int,
               covers: bool, paint: Painter) -> None:
    """Predict a pair of plain images in memory and write its outputs."""
    image_b, probs = predict_image_job(inferencer, job, window, overlap)
    maps = inferencer.maps(probs)
    palette = inferencer.palette
    write_from_to_raster(job.mask, maps['codes'], palette,
                         reference=job.path_a)
    if covers:
        colours = class_colours(palette) if palette is not None else None
        for path, name in zip(cover_paths(job.mask), ('from', 'to')):
            write_raster(path, maps[name][None], job.path_a, colours,
                         NODATA)
    if job.prob:
        write_raster(job.prob, probs.astype(np.float32), job.path_a,
                     nodata=float('nan'))
    if job.overlay:
        write_image_overlay(job.overlay, image_b, maps['codes'], paint)
