"""One image reader for every path: keeps the file's dtype and its bands.

PNG, JPEG and BMP are decoded by OpenCV with their own bit depth and
colour layout (grey stays one band, 16-bit stays 16-bit).
Everything else (TIFF/GeoTIFF, ENVI, JPEG 2000, VRT, any format GDAL reads)
goes through rasterio, imported lazily (the ``geo`` extra). Without
rasterio, plain TIFFs still go through OpenCV.

Alpha bands (transparency, not data) are dropped unless named in
``bands``.

A date may also be a list of single-band files (one per band, in band
order, as OSCD stores Sentinel-2): they are read as one stacked image.

Channel order: a 3-band result is in OpenCV's order, blue first (band 3,
2, 1 of the file, or of ``bands``), as every 8-bit path always gave it and
as ``bgr_to_rgb=True`` in the data preprocessors expects. Any other band
count comes in file order (or in the order of ``bands``).
"""
import os.path as osp
import struct
from typing import List, NamedTuple, Optional, Sequence, Union

import cv2
import numpy as np

OPENCV_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp')
# Keep the file's bit depth and grey/colour layout, apply EXIF orientation
# and drop alpha: IMREAD_COLOR's values for 8-bit colour files, without
# its cut to 8 bits.
_CV2_FLAGS = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR
# A file, or a date stored as one single-band file per band (OSCD).
ImageSource = Union[str, Sequence[str]]
RASTERIO_HINT = 'pip install rasterio (or pip install "changefine-mm[geo]")'
# PNG colour types (IHDR byte 25) -> bands once alpha is dropped.
_PNG_BANDS = {0: 1, 2: 3, 3: 3, 4: 1, 6: 3}
_PIL_MODES = {
    '1': (1, 'uint8'), 'L': (1, 'uint8'), 'P': (3, 'uint8'),
    'LA': (1, 'uint8'), 'RGB': (3, 'uint8'), 'RGBA': (3, 'uint8'),
    'CMYK': (3, 'uint8'), 'YCbCr': (3, 'uint8'), 'I;16': (1, 'uint16'),
    'I;16B': (1, 'uint16'), 'I': (1, 'int32'), 'F': (1, 'float32')
}


class ImageReadError(OSError, ValueError):
    """A file cannot be decoded as an image (empty, corrupt, not one).

    Both an ``OSError`` (as file reading errors are) and a ``ValueError``
    (as bad input is), like ``io.UnsupportedOperation``.
    """


class ImageHeader(NamedTuple):
    """What a file holds, read without decoding its pixels.

    Attributes:
        height (int): Rows.
        width (int): Columns.
        bands (int): Bands as :func:`read_image` returns them (alpha
            bands not counted).
        dtype (str): Numpy dtype name of the pixels, e.g. ``'uint16'``.
    """
    height: int
    width: int
    bands: int
    dtype: str


def uses_opencv(path: str) -> bool:
    """Whether a file is decoded by OpenCV (by its suffix).

    Args:
        path (str): File path.

    Returns:
        bool: True for PNG, JPEG and BMP.
    """
    return osp.splitext(str(path))[1].lower() in OPENCV_SUFFIXES


def import_rasterio(path: str):
    """Import rasterio, or say which file needs it and how to install it.

    Args:
        path (str): The file to be read, for the message.

    Returns:
        module: ``rasterio``.
    """
    try:
        import rasterio
    except ImportError as err:
        raise ImportError(f'reading {path} needs rasterio: '
                          f'{RASTERIO_HINT}') from err
    return rasterio


def read_image(path: ImageSource,
               bands: Optional[Sequence[int]] = None) -> np.ndarray:
    """Read a whole image with its own dtype and all (or some) bands.

    Args:
        path (str | Sequence[str]): Image file (the data file of an ENVI
            pair, not its ``.hdr``), or single-band files to stack.
        bands (Sequence[int], optional): 1-based band numbers of the file
            (GDAL's numbering: for an RGB file 1 is red) to keep, in this
            order. None keeps every band.

    Returns:
        np.ndarray: ``(H, W, C)`` in the file's dtype; 3 bands in OpenCV's
        order (see the module docstring).
    """
    if is_stack(path):
        return _read_stack(path, bands)
    path = str(path)
    _check_file(path)
    if uses_opencv(path):
        with open(path, 'rb') as file:
            return select_bands(_decode_cv2(file.read(), path), bands, path)
    try:
        rasterio = import_rasterio(path)
    except ImportError:
        if not _is_tiff(path):
            raise
        image = _tiff_without_rasterio(path)
        return select_bands(image, bands, path)
    return _read_rasterio(rasterio, path, path, bands)


def decode_image(content: bytes,
                 path: str,
                 bands: Optional[Sequence[int]] = None) -> np.ndarray:
    """Decode file bytes like :func:`read_image` reads the file.

    For files that come from an mmengine file backend (no local path).
    Formats with side files (ENVI) need :func:`read_image`.

    Args:
        content (bytes): The file's bytes.
        path (str): The file name (its suffix picks the decoder; also for
            error messages).
        bands (Sequence[int], optional): 1-based bands to keep.

    Returns:
        np.ndarray: ``(H, W, C)`` in the file's dtype.
    """
    path = str(path)
    if not content:
        raise ImageReadError(f'cannot read image {path}: the file is empty')
    if uses_opencv(path):
        return select_bands(_decode_cv2(content, path), bands, path)
    rasterio = import_rasterio(path)
    with rasterio.MemoryFile(content) as memory:
        return _read_rasterio(rasterio, memory, path, bands)


def select_bands(image: np.ndarray, bands: Optional[Sequence[int]],
                 path: str) -> np.ndarray:
    """Keep some bands of an image in OpenCV order (module docstring).

    Args:
        image (np.ndarray): ``(H, W, C)``, 3 bands blue first.
        bands (Sequence[int], optional): 1-based file band numbers.
        path (str): The file, for error messages.

    Returns:
        np.ndarray: ``(H, W, len(bands))`` (the image itself for None).
    """
    if bands is None:
        return image
    count = image.shape[2]
    numbers = _check_bands(bands, count, path)
    # Index of file band k in the array: 3-band arrays are reversed.
    planes = [count - k if count == 3 else k - 1 for k in numbers]
    if len(planes) == 3:
        planes = planes[::-1]
    return np.ascontiguousarray(image[:, :, planes])


def plane_bands(bands: Optional[Sequence[int]], count: int) -> List[int]:
    """File band number of each plane of a :func:`read_image` result.

    Args:
        bands (Sequence[int], optional): The ``bands`` it was read with.
        count (int): Planes of the result.

    Returns:
        list[int]: One 1-based band number per plane (reversed for 3).
    """
    numbers = list(range(1, count + 1)) if bands is None else \
        [int(k) for k in bands]
    return numbers[::-1] if len(numbers) == 3 else numbers


def read_image_header(path: ImageSource) -> ImageHeader:
    """Size, band count and dtype of an image without decoding it.

    Args:
        path (str | Sequence[str]): Image file, or single-band files.

    Returns:
        ImageHeader: The header as :func:`read_image` would return it.
    """
    if is_stack(path):
        headers = [read_image_header(p) for p in path]
        _check_stack(path, headers)
        first = headers[0]
        return ImageHeader(first.height, first.width, len(headers),
                           first.dtype)
    path = str(path)
    _check_file(path)
    suffix = osp.splitext(path)[1].lower()
    if suffix == '.png':
        return _png_header(path)
    if uses_opencv(path):
        return _pil_header(path)
    try:
        rasterio = import_rasterio(path)
    except ImportError:
        if not _is_tiff(path):
            raise
        return _pil_header(path)
    with _open_rasterio(rasterio, path, path) as src:
        return ImageHeader(src.height, src.width, len(_data_bands(src)),
                           src.dtypes[0])


def is_stack(path: ImageSource) -> bool:
    """Whether a date is given as a list of single-band files.

    Args:
        path (str | Sequence[str]): What a dataset lists for one date.

    Returns:
        bool: True for a list or tuple of paths.
    """
    return isinstance(path, (list, tuple))


def _check_stack(paths: Sequence[str], headers: List[ImageHeader]) -> None:
    if not paths:
        raise ValueError('an empty list of band files was given as an image')
    first = headers[0]
    for path, header in zip(paths, headers):
        if header.bands != 1:
            raise ValueError(f'{path} has {header.bands} bands; a list of '
                             'band files needs one band per file')
        if header[:2] != first[:2] or header.dtype != first.dtype:
            raise ValueError(
                f'band files differ: {paths[0]} is {first.width}x'
                f'{first.height} {first.dtype}, {path} is {header.width}x'
                f'{header.height} {header.dtype} (resample them to one grid)')


def _read_stack(paths: Sequence[str],
                bands: Optional[Sequence[int]]) -> np.ndarray:
    paths = [str(p) for p in paths]
    _check_stack(paths, [read_image_header(p) for p in paths])
    numbers = list(range(1, len(paths) + 1)) if bands is None else \
        _check_bands(bands, len(paths), f'the band files of {paths[0]}')
    planes = [read_image(paths[k - 1])[:, :, 0] for k in numbers]
    return np.stack(planes[::-1] if len(planes) == 3 else planes, axis=2)


def _check_file(path: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f'input image not found: {path}')
    if path.lower().endswith('.hdr'):
        raise ValueError(
            f'{path} is an ENVI header, not an image: give the data file '
            f'next to it ({osp.splitext(path)[0]}, .img or .dat)')


def _check_bands(bands: Sequence[int], count: int, path: str) -> list:
    numbers = [int(k) for k in bands]
    if not numbers:
        raise ValueError(f'bands is empty for {path}: list 1-based band '
                         f'numbers, or None for all {count} bands')
    wrong = [k for k in numbers if not 1 <= k <= count]
    if wrong:
        raise ValueError(f'{path} has {count} band(s), so bands {wrong} do '
                         f'not exist (bands are numbered from 1 to {count})')
    return numbers


def _is_tiff(path: str) -> bool:
    return osp.splitext(path)[1].lower() in ('.tif', '.tiff')


def _decode_cv2(content: bytes, path: str) -> np.ndarray:
    buffer = np.frombuffer(content, dtype=np.uint8)
    image = cv2.imdecode(buffer, _CV2_FLAGS) if buffer.size else None
    if image is None:
        raise ImageReadError(f'cannot read image {path}: the file is empty, '
                             'corrupt or not an image')
    return image[:, :, None] if image.ndim == 2 else image


def _tiff_without_rasterio(path: str) -> np.ndarray:
    image = cv2.imread(path, _CV2_FLAGS)
    if image is None:
        raise ImageReadError(f'cannot read {path} with OpenCV (multi-band '
                             f'or compressed TIFFs need rasterio): '
                             f'{RASTERIO_HINT}')
    return image[:, :, None] if image.ndim == 2 else image


def _open_rasterio(rasterio, source, path: str):
    try:
        return rasterio.open(source)
    except rasterio.errors.RasterioIOError as err:
        raise ImageReadError(f'cannot read {path} as a raster image '
                             f'(corrupt, truncated or not an image): '
                             f'{err}') from err


def _read_rasterio(rasterio, source, path: str,
                   bands: Optional[Sequence[int]]) -> np.ndarray:
    with _open_rasterio(rasterio, source, path) as src:
        numbers = _data_bands(src) if bands is None else \
            _check_bands(bands, src.count, path)
        if len(numbers) == 3:
            numbers = numbers[::-1]
        image = src.read(numbers)
    return np.ascontiguousarray(image.transpose(1, 2, 0))


def _data_bands(src) -> List[int]:
    """Band numbers of a raster without its alpha band (transparency)."""
    from rasterio.enums import ColorInterp
    return [k for k, interp in enumerate(src.colorinterp, start=1)
            if interp != ColorInterp.alpha] or [1]


def _png_header(path: str) -> ImageHeader:
    with open(path, 'rb') as file:
        head = file.read(26)
    if len(head) < 26 or head[:8] != b'\x89PNG\r\n\x1a\n' or \
            head[12:16] != b'IHDR':
        raise ValueError(f'cannot read {path}: not a PNG file (bad '
                         'signature), or truncated')
    width, height, depth, colour = struct.unpack('>IIBB', head[16:26])
    if colour not in _PNG_BANDS:
        raise ValueError(f'cannot read {path}: unknown PNG colour type '
                         f'{colour}')
    dtype = 'uint16' if depth == 16 and colour != 3 else 'uint8'
    return ImageHeader(height, width, _PNG_BANDS[colour], dtype)


def _pil_header(path: str) -> ImageHeader:
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            mode, (width, height) = image.mode, image.size
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f'cannot read the header of {path}: corrupt or '
                         f'not an image ({err})') from err
    if mode not in _PIL_MODES:
        raise ValueError(f'cannot tell the bands of {path} (image mode '
                         f'{mode}): {RASTERIO_HINT}')
    bands, dtype = _PIL_MODES[mode]
    return ImageHeader(height, width, bands, dtype)
