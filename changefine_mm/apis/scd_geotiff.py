"""Big-scene semantic change detection on a pair of GeoTIFFs.

The scene goes through the binary path's window loop
(:func:`~changefine_mm.apis.geotiff_inference.predict_geotiff`: window
grid, reading, nodata, band selection and scaling, cosine blending,
streaming by strips, atomic outputs); only the sink differs. The blended
``1 + 2K`` probabilities of :class:`SCDInferencer` are decided block by
block and written as

* the from-to code raster (:mod:`~changefine_mm.apis.scd_inference`,
  colour table of the *to* class, nodata = its type's largest value);
* optionally ``NAME_from.tif`` / ``NAME_to.tif``: each date's class map in
  the model's convention (uint8, colour table of the classes, nodata 255);
* optionally ``NAME_prob.tif``: the ``1 + 2K`` float32 probabilities
  (change, date A's classes, date B's classes; nodata NaN).

All outputs share date A's grid (CRS, transform, size).
"""
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np

from .atomic_output import partial_path
from .geo import GeoTiffSink, import_rasterio, raster_profile
from .geotiff_inference import check_outputs, predict_geotiff
from .inferencer import NODATA
from .scd_inference import code_colours, code_dtype, code_nodata
from .scene import SceneStats


def cover_paths(codes_path: str) -> Tuple[str, str]:
    """Where the class maps of date A and date B go.

    Args:
        codes_path (str): The from-to raster, ``NAME.tif``.

    Returns:
        tuple[str, str]: ``NAME_from.tif``, ``NAME_to.tif``.
    """
    stem = osp.splitext(codes_path)[0]
    return stem + '_from.tif', stem + '_to.tif'


def class_colours(palette: Sequence[Sequence[int]]) -> dict:
    """Colour table of a class map: class index -> (R, G, B, 255)."""
    return {index: (int(r), int(g), int(b), 255)
            for index, (r, g, b) in enumerate(palette)}


class FromToSink(GeoTiffSink):
    """Write blended SCD blocks: codes (+ class maps, probabilities).

    Args:
        src: Open rasterio dataset giving the grid (date A).
        inferencer (SCDInferencer): Decides the maps of a block.
        codes_path (str): From-to raster to write.
        prob_path (str, optional): Probability raster to write.
        covers (bool): Also write :func:`cover_paths`.
        tile (int): Tile side.
        compress (str): GDAL compression.
    """

    def __init__(self, src, inferencer, codes_path: str,
                 prob_path: Optional[str] = None, covers: bool = False,
                 tile: int = 256, compress: str = 'deflate') -> None:
        rasterio = import_rasterio()
        self.covers = []  # closed by close(), also after a failed start
        self.inferencer = inferencer
        dtype = np.dtype(code_dtype(len(inferencer.classes)))
        super().__init__(src, codes_path, inferencer.decide,
                         inferencer.num_scores, prob_path, tile, compress,
                         dtype=dtype.name, nodata=code_nodata(dtype))
        try:
            palette = inferencer.palette
            if palette is not None:
                self.mask.write_colormap(1, code_colours(palette))
            for path in (cover_paths(codes_path) if covers else ()):
                self.paths.append(path)
                dataset = rasterio.open(
                    partial_path(path), 'w',
                    **raster_profile(src, 1, 'uint8', NODATA, tile,
                                     compress))
                self.covers.append(dataset)
                if palette is not None:
                    dataset.write_colormap(1, class_colours(palette))
        except BaseException:
            self.close(complete=False)
            raise

    def __call__(self, row: int, col: int, probs: np.ndarray,
                 valid: np.ndarray) -> None:
        """Write one finished block (see :data:`sliding.Sink`)."""
        from rasterio.windows import Window as RioWindow
        window = RioWindow(col, row, probs.shape[2], probs.shape[1])
        maps = self.inferencer.maps(probs)
        self.mask.write(maps['codes'][None], window=window)
        if self.prob is not None:
            self.prob.write(probs, window=window)
        for dataset, name in zip(self.covers, ('from', 'to')):
            dataset.write(maps[name][None], window=window)

    def close(self, complete: bool = True) -> None:
        """Close every output; publish them if complete, else delete.

        Args:
            complete (bool): Whether every block was written.
        """
        for dataset in self.covers:
            dataset.close()
        super().close(complete)


def predict_scd_geotiff(inferencer,
                        path_a: str,
                        path_b: str,
                        codes_path: str,
                        prob_path: Optional[str] = None,
                        covers: bool = False,
                        overwrite: bool = False,
                        **options) -> SceneStats:
    """Write the from-to raster (and class maps, probabilities) of a
    GeoTIFF pair window by window, with bounded memory.

    Args:
        inferencer (SCDInferencer): The semantic change model.
        path_a (str): Date-A GeoTIFF.
        path_b (str): Date-B GeoTIFF.
        codes_path (str): From-to GeoTIFF to write.
        prob_path (str, optional): Probability GeoTIFF to write.
        covers (bool): Also write ``NAME_from.tif`` and ``NAME_to.tif``.
        overwrite (bool): Replace existing outputs.
        **options: ``window``, ``overlap``, ``align``, ``strip_width``,
            ``tile``, ``compress``, ``gdal_cache_mb``, ``share_windows``,
            ``progress`` of :func:`predict_geotiff`.

    Returns:
        SceneStats: Counters of the run.
    """
    if covers:
        check_outputs(cover_paths(codes_path), overwrite)

    def make_sink(src, tile, compress):
        return FromToSink(src, inferencer, codes_path, prob_path, covers,
                          tile, compress)

    return predict_geotiff(inferencer, path_a, path_b, codes_path,
                           prob_path, overwrite=overwrite,
                           make_sink=make_sink, **options)
