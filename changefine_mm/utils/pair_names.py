"""Pairs are named by their path relative to the split (A) folder.

``A/s1/x.png`` and ``A/s2/x.png`` are the pairs ``s1/x.png`` and
``s2/x.png``; every output of a pair (test panels and masks, per-image
CSV rows, ``tools/infer.py`` results) uses that name, so pairs in nested
folders never overwrite each other.
"""
import os.path as osp
from typing import List, Sequence


def relative_names(paths: Sequence[str], folder: str = '') -> List[str]:
    """Name each pair by its A image's path relative to the A folder.

    Paths outside ``folder`` (list files may point anywhere) are named
    relative to the deepest folder that holds all of them.

    Args:
        paths (sequence[str]): Date-A image of each pair.
        folder (str): The A folder; '' to use the common folder.

    Returns:
        list[str]: Names such as ``'s1/x.png'`` ('/' on every OS).
    """
    if not paths:
        return []
    absolute = [osp.abspath(p) for p in paths]
    base = osp.abspath(folder) if folder else ''
    if not base or not all(
            p.startswith(base.rstrip(osp.sep) + osp.sep) for p in absolute):
        base = osp.commonpath([osp.dirname(p) for p in absolute])
    return [osp.relpath(p, base).replace(osp.sep, '/') for p in absolute]


def sample_pair_name(meta) -> str:
    """The name of a test sample's pair.

    Args:
        meta (dict | SegDataSample): Sample (or its metainfo) with
            ``pair_name`` (set by the datasets), else ``img_path``.

    Returns:
        str: ``pair_name``, or date A's file name when the pipeline did
        not keep ``pair_name`` (its ``meta_keys``).
    """
    name = meta.get('pair_name')
    if name:
        return str(name)
    path = meta.get('img_path')
    path = path[0] if isinstance(path, (list, tuple)) else path
    return osp.basename(str(path)) if path else ''


def output_stem(name: str) -> str:
    """A pair name without its suffix, as a relative output path.

    Args:
        name (str): Pair name, e.g. ``'s1/x.png'``.

    Returns:
        str: ``'s1/x'`` with the OS separator.
    """
    return osp.splitext(name.replace('/', osp.sep))[0]
