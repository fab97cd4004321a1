"""Outputs appear complete or not at all.

Every raster that inference writes (masks, probabilities, overlays) is
written under a hidden temporary name in its own folder and renamed onto
its final name only when it is complete. A failed or killed run leaves no
partial file under the final name, so a rerun is not blocked by it
(``--overwrite`` is not needed) and a reader never takes half a mask for
a result.
"""
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator

PARTIAL_MARK = '.partial-'
# GDAL may write side files next to a raster (statistics, overviews).
_SIDE_FILES = ('.aux.xml', '.ovr', '.msk')


def partial_path(path: str) -> str:
    """The hidden temporary name of an output, beside it.

    The suffix is kept, as OpenCV and GDAL pick the format by it.

    Args:
        path (str): The final output path.

    Returns:
        str: ``<folder>/.<stem>.partial-<pid><suffix>``.
    """
    folder, name = osp.split(osp.abspath(path))
    stem, suffix = osp.splitext(name)
    return osp.join(folder, f'.{stem}{PARTIAL_MARK}{os.getpid()}{suffix}')


def publish(partial: str, path: str) -> None:
    """Rename a finished temporary file onto its final name.

    Args:
        partial (str): The complete temporary file.
        path (str): The final path (replaced if it exists).
    """
    os.replace(partial, path)
    for side in _SIDE_FILES:
        if osp.exists(partial + side):
            os.replace(partial + side, path + side)


def discard(partial: str) -> None:
    """Remove a temporary file (and GDAL side files) of a failed write.

    Args:
        partial (str): The temporary file; missing files are fine.
    """
    for name in (partial, ) + tuple(partial + s for s in _SIDE_FILES):
        if osp.exists(name):
            os.remove(name)


@contextmanager
def atomic_output(path: str) -> Iterator[str]:
    """Write to a temporary name and rename onto ``path`` on success.

    Args:
        path (str): The final output path; its folder is created.

    Yields:
        str: The temporary path to write to. On an exception it is
        removed and the exception goes on; ``path`` is left untouched.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    partial = partial_path(path)
    try:
        yield partial
    except BaseException:
        discard(partial)
        raise
    publish(partial, path)
