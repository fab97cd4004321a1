"""Big-scene change detection on a pair of GeoTIFFs with bounded memory."""
import os
import os.path as osp
from typing import Callable, Optional

from mmengine.dist import barrier, get_dist_info

from .geo import GeoPair, GeoTiffSink, import_rasterio
from .scene import SceneStats, blend_scene


def check_outputs(paths, overwrite: bool) -> None:
    """Refuse to replace existing outputs unless asked to.

    Args:
        paths (iterable[str | None]): Output files (None entries ignored).
        overwrite (bool): Allow replacing them.

    Raises:
        FileExistsError: Naming every existing output.
    """
    existing = [p for p in paths if p is not None and osp.exists(p)]
    if existing and not overwrite:
        raise FileExistsError(
            'output already exists (pass --overwrite / overwrite=True to '
            'replace it): ' + ', '.join(existing))


def predict_geotiff(inferencer,
                    path_a: str,
                    path_b: str,
                    mask_path: str,
                    prob_path: Optional[str] = None,
                    window: int = 512,
                    overlap: int = 128,
                    align: bool = False,
                    overwrite: bool = False,
                    strip_width: int = 4096,
                    tile: int = 256,
                    compress: str = 'deflate',
                    gdal_cache_mb: int = 32,
                    share_windows: bool = False,
                    progress: bool = True,
                    make_sink: Optional[Callable] = None) -> SceneStats:
    """Write the change mask (and probabilities) of a GeoTIFF pair.

    Windows of ``window`` pixels overlapping by ``overlap`` are read from
    both dates, predicted in batches of ``inferencer.batch_size``, blended
    with cosine weights and written as finished tiles, strip by strip
    (at most ``strip_width`` columns at once), so memory depends on the
    window, batch and strip sizes but not on the scene size. Windows that
    are nodata in A or B are skipped and stay nodata. The outputs are
    written under temporary names and renamed when complete, so a failed
    run (a truncated input, an interruption) leaves none of them behind;
    with ``align=True`` grids that do not overlap are refused before
    anything is written.

    Args:
        inferencer (ChangeInferencer): The model.
        path_a (str): Date-A GeoTIFF.
        path_b (str): Date-B GeoTIFF.
        mask_path (str): Output mask GeoTIFF (uint8, nodata 255).
        prob_path (str, optional): Output probability GeoTIFF (float32,
            nodata NaN).
        window (int): Window side.
        overlap (int): Overlap of neighbouring windows.
        align (bool): Reproject B onto A's grid when the grids differ.
        overwrite (bool): Replace existing outputs.
        strip_width (int): Widest strip of columns processed at once.
        tile (int): Output tile side (multiple of 16).
        compress (str): GDAL compression of the outputs.
        gdal_cache_mb (int): GDAL block cache; bounded so that it does
            not grow with the scene (GDAL's default is 5 % of the RAM).
        share_windows (bool): Split windows over the ranks of the
            initialised process group; rank 0 writes.
        progress (bool): Show windows/s and ETA.
        make_sink (callable, optional): ``(src_a, tile, compress) ->
            sink`` for outputs other than the mask and probabilities
            (semantic change); the sink is a :class:`GeoTiffSink` (or
            quacks like one) and writes every output itself.

    Returns:
        SceneStats: Counters of the run (rank 0 has the blending ones).
    """
    rasterio = import_rasterio()
    check_outputs([mask_path, prob_path], overwrite)
    rank = get_dist_info()[0] if share_windows else 0
    with rasterio.Env(GDAL_CACHEMAX=gdal_cache_mb), \
            GeoPair(path_a, path_b, align=align,
                    bands=inferencer.bands) as pair:
        if pair.count != inferencer.in_channels:
            raise ValueError(
                f'{path_a}: {pair.count} bands are read but the model takes '
                f'{inferencer.in_channels} bands per date (choose them with '
                '--bands / bands=...)')
        # Bands selected and scaled per window (non-8-bit needs a rule).
        read = inferencer.window_reader(pair)
        sink = None
        if rank == 0:
            for path in (mask_path, prob_path):
                if path is not None and osp.dirname(path):
                    os.makedirs(osp.dirname(path), exist_ok=True)
            sink = make_sink(pair.src_a, tile, compress) if make_sink \
                else GeoTiffSink(pair.src_a, mask_path, inferencer.decide,
                                 inferencer.num_scores, prob_path, tile,
                                 compress)
        height, width = pair.shape
        try:
            stats = blend_scene(
                inferencer.predict_arrays, read, height, width,
                inferencer.num_scores, sink, window=window, overlap=overlap,
                batch_size=inferencer.batch_size, strip_width=strip_width,
                tile=tile, share_windows=share_windows, progress=progress)
        except BaseException:
            if sink is not None:  # no partial output under its final name
                sink.close(complete=False)
            raise
        if sink is not None:
            sink.close()
    if share_windows:
        barrier()
    return stats
