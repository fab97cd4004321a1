"""Checkpoint loading rules: safe by default on torch >= 2.6.

Rules (documented in ``docs/checkpoints.md``):

1. Every checkpoint file is first loaded with
   ``torch.load(weights_only=True)``, which cannot execute code. This covers
   third-party weights (``load_from``, ``init_cfg=dict(type='Pretrained')``,
   the SAM/CLIP loaders) and, thanks to
   :class:`~changefine_mm.engine.SafeCheckpointHook`, the checkpoints that our
   own training runs write (their ``HistoryBuffer`` and numpy objects are
   stored as plain data and restored on resume).
2. A file that needs full unpickling is refused with a :class:`CheckpointError`
   that explains why, unless the user opted in: ``--trust-checkpoint`` on the
   tools, ``CHANGEFINE_MM_TRUST_CHECKPOINTS=1`` in the environment, or
   ``trust=True`` in Python.
3. A truncated or non-PyTorch file gives a :class:`CheckpointError` naming
   the file, never a bare ``zipfile``/``pickle`` traceback.
4. Local files written through mmengine's file backend (checkpoints, and
   the configs and results it dumps) are written to a hidden temporary
   name in the same folder and renamed when complete
   (:func:`register_atomic_local_writer`), so a process killed while
   writing never leaves a truncated file under the real name.

:func:`register_safe_local_loader` makes mmengine's ``CheckpointLoader`` use
these rules for local paths, so the Runner's ``load_from``/``resume`` and
``mmengine.runner.load_checkpoint`` follow them too.
"""
import os
import os.path as osp
import pickle
import warnings
from typing import Any, Optional

import numpy as np
import torch

TRUST_ENV = 'CHANGEFINE_MM_TRUST_CHECKPOINTS'
_HISTORY_KEY = '__history_buffer__'
_NDARRAY_KEY = '__ndarray__'
_trust_all = False


class CheckpointError(RuntimeError):
    """A checkpoint file cannot be (safely) loaded."""


def set_checkpoint_trust(trust: bool) -> None:
    """Allow (or forbid again) full unpickling of every checkpoint file.

    Args:
        trust (bool): True to load files that ``weights_only`` refuses.
    """
    global _trust_all
    _trust_all = bool(trust)


def _trusted(trust: Optional[bool]) -> bool:
    if trust is not None:
        return trust
    return _trust_all or os.environ.get(TRUST_ENV, '') == '1'


def load_checkpoint_file(filename: str,
                         map_location: Any = 'cpu',
                         trust: Optional[bool] = None) -> Any:
    """Load a checkpoint file under the rules of this module.

    Args:
        filename (str): Path of the file.
        map_location: Passed to :func:`torch.load`. Defaults to 'cpu' so
            that GPU-saved files load on CPU-only machines.
        trust (bool, optional): Allow full unpickling for this file. None
            defers to :func:`set_checkpoint_trust` and the environment.

    Returns:
        The loaded object (usually a dict).

    Raises:
        FileNotFoundError: If the file does not exist.
        CheckpointError: If the file is unreadable, truncated, not a torch
            file, or needs full unpickling without trust.
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename}')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as err:
        # Only a refused *global* means "valid file with Python objects";
        # other weights_only errors (bad opcodes) mean a damaged file.
        if 'Unsupported global' not in str(err):
            raise _unreadable(filename, err) from err
        if not _trusted(trust):
            raise CheckpointError(
                f'{filename} holds Python objects besides tensors, so it '
                'cannot be loaded safely with weights_only=True; loading it '
                'fully could execute code stored in the file. Only if you '
                'trust its origin, pass --trust-checkpoint to the tool (or '
                f'set {TRUST_ENV}=1). First objects refused: '
                f'{_first_line(err)}') from err
        warnings.warn(f'fully unpickling trusted checkpoint {filename}')
    except (RuntimeError, EOFError, OSError, ValueError) as err:
        raise _unreadable(filename, err) from err
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    except Exception as err:  # noqa: BLE001 - any failure means unreadable
        raise _unreadable(filename, err) from err


def _first_line(err: Exception) -> str:
    for line in str(err).splitlines():
        if 'Unsupported' in line:
            return line.strip().split('. Please use')[0]
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _unreadable(filename: str, err: Exception) -> CheckpointError:
    return CheckpointError(
        f'cannot read checkpoint {filename}: it is truncated, corrupt or not '
        f'a PyTorch checkpoint ({type(err).__name__}: {_first_line(err)})')


def register_safe_local_loader() -> None:
    """Route mmengine's loading of local paths through our rules."""
    from mmengine.runner.checkpoint import CheckpointLoader

    def load_local(filename, map_location=None):
        return load_checkpoint_file(filename, map_location=map_location)

    CheckpointLoader.register_scheme(prefixes='', loader=load_local,
                                     force=True)


PARTIAL_MARK = '.partial-'


def partial_name(filepath: str) -> str:
    """The temporary name a file is written under before its rename.

    Args:
        filepath (str): The final path.

    Returns:
        str: A hidden file in the same folder, unique to this process.
    """
    folder, name = osp.split(osp.abspath(filepath))
    return osp.join(folder, f'.{name}{PARTIAL_MARK}{os.getpid()}')


def write_atomically(data: bytes, filepath: str) -> None:
    """Write ``data`` to ``filepath`` so that the file is either absent,
    the previous version, or complete.

    Args:
        data (bytes): The content.
        filepath (str): Destination (its folder is created if needed).
    """
    filepath = str(filepath)
    os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
    partial = partial_name(filepath)
    with open(partial, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, filepath)


def register_atomic_local_writer() -> None:
    """Make mmengine write local files through :func:`write_atomically`
    (``put`` and ``put_text`` of its local file backend)."""
    from mmengine.fileio import LocalBackend, register_backend

    class AtomicLocalBackend(LocalBackend):
        """mmengine's local backend with atomic writes."""

        def put(self, obj: bytes, filepath) -> None:
            write_atomically(obj, filepath)

        def put_text(self, obj: str, filepath, encoding='utf-8') -> None:
            write_atomically(obj.encode(encoding), filepath)

    register_backend('local', AtomicLocalBackend, force=True, prefixes='')


def to_plain_data(obj: Any) -> Any:
    """Convert mmengine/numpy objects so ``weights_only`` can load them.

    ``HistoryBuffer`` and numpy arrays become tagged dicts that
    :func:`from_plain_data` turns back; numpy scalars become Python
    numbers.

    Args:
        obj: A checkpoint or any part of it.

    Returns:
        The same structure with only plain data and tensors.
    """
    from mmengine.logging import HistoryBuffer
    if isinstance(obj, HistoryBuffer):
        logs, counts = obj.data
        return {_HISTORY_KEY: dict(log_history=logs.tolist(),
                                   count_history=counts.tolist(),
                                   max_length=obj.max_length)}
    if isinstance(obj, np.ndarray):
        return {_NDARRAY_KEY: torch.from_numpy(np.ascontiguousarray(obj))}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return type(obj)((k, to_plain_data(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(to_plain_data(v) for v in obj)
    return obj


def from_plain_data(obj: Any) -> Any:
    """Inverse of :func:`to_plain_data`.

    Args:
        obj: Loaded checkpoint data.

    Returns:
        The structure with ``HistoryBuffer`` and numpy arrays restored.
    """
    from mmengine.logging import HistoryBuffer
    if isinstance(obj, dict):
        if set(obj) == {_HISTORY_KEY}:
            return HistoryBuffer(**obj[_HISTORY_KEY])
        if set(obj) == {_NDARRAY_KEY}:
            return obj[_NDARRAY_KEY].numpy()
        return type(obj)((k, from_plain_data(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(from_plain_data(v) for v in obj)
    return obj
