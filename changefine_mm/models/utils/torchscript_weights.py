"""Read the tensors of a TorchScript archive without running its code.

OpenAI distributes CLIP as TorchScript archives (``ViT-B-16.pt``, ``RN50.pt``).
``torch.jit.load`` compiles the TorchScript code stored in such an archive and
runs it (``__setstate__`` methods, module constructors), and PyTorch's
security notes ask to treat TorchScript files like programs. The weights,
however, are plain data: the archive's ``data.pkl`` pickles the module tree as
objects of ``__torch__.*`` classes whose state dicts hold the tensors, and the
tensor bytes lie in ``<archive>/data/<key>`` records.

:func:`read_torchscript_tensors` unpickles ``data.pkl`` with an allow-list:
``__torch__.*`` classes become inert records of their state, tensors are
rebuilt from the zip records, and any other global is refused. No code stored
in the file is compiled or executed, so an untrusted archive can be read.
"""
import os.path as osp
import pickle
import zipfile
from collections import OrderedDict
from typing import Any, Dict, Tuple

import torch

_STORAGE_DTYPES = {
    'FloatStorage': torch.float32,
    'HalfStorage': torch.float16,
    'BFloat16Storage': torch.bfloat16,
    'DoubleStorage': torch.float64,
    'LongStorage': torch.int64,
    'IntStorage': torch.int32,
    'ShortStorage': torch.int16,
    'CharStorage': torch.int8,
    'ByteStorage': torch.uint8,
    'BoolStorage': torch.bool,
}


class _ScriptObjectRecord:
    """Stand-in for a ``__torch__.*`` object: it only keeps its state."""

    def __init__(self, *args: Any) -> None:
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


def _rebuild_tensor(storage: torch.Tensor, offset: int, size: Tuple[int, ...],
                    stride: Tuple[int, ...], *unused: Any) -> torch.Tensor:
    # The remaining arguments (requires_grad, backward hooks, metadata) do not
    # matter for weights.
    return storage.as_strided(size, stride, offset)


def _rebuild_parameter(data: torch.Tensor, *unused: Any) -> torch.Tensor:
    return data


def _identity(value: Any, *unused: Any) -> Any:
    return value


_ALLOWED_GLOBALS = {
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
    ('collections', 'OrderedDict'): OrderedDict,
    # Typed containers of scripted modules (lists of ints, tensors, ...).
    ('torch.jit._pickle', 'restore_type_tag'): _identity,
    ('torch.jit._pickle', 'build_intlist'): _identity,
    ('torch.jit._pickle', 'build_doublelist'): _identity,
    ('torch.jit._pickle', 'build_boollist'): _identity,
    ('torch.jit._pickle', 'build_tensorlist'): _identity,
}


class _ArchiveUnpickler(pickle.Unpickler):
    """Unpickler of ``data.pkl`` that only builds data (see module doc)."""

    def __init__(self, file: Any, archive: zipfile.ZipFile, prefix: str,
                 filename: str) -> None:
        super().__init__(file)
        self._archive = archive
        self._prefix = prefix
        self._filename = filename
        self._storages: Dict[str, torch.Tensor] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith('__torch__'):
            return _ScriptObjectRecord
        if module == 'torch' and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[(module, name)]
        raise pickle.UnpicklingError(
            f'{self._filename}: the TorchScript archive refers to '
            f'{module}.{name}, which is not plain weight data; refusing to '
            'read it')

    def persistent_load(self, pid: Any) -> torch.Tensor:
        if not (isinstance(pid, tuple) and len(pid) == 5
                and pid[0] == 'storage'):
            raise pickle.UnpicklingError(
                f'{self._filename}: unknown storage record {pid!r}')
        _, dtype, key, _location, numel = pid
        if key not in self._storages:
            raw = self._archive.read(f'{self._prefix}/data/{key}')
            flat = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
            self._storages[key] = flat.view(dtype)[:numel]
        return self._storages[key]


def is_torchscript_archive(filename: str) -> bool:
    """Whether a file is a TorchScript archive (``torch.jit.save`` output).

    Args:
        filename (str): Path of the file.

    Returns:
        bool: True for a zip file with a ``<archive>/constants.pkl`` record,
        which ``torch.save`` files never have.
    """
    if not zipfile.is_zipfile(filename):
        return False
    with zipfile.ZipFile(filename) as archive:
        return any(
            name.count('/') == 1 and name.endswith('/constants.pkl')
            for name in archive.namelist())


def read_torchscript_tensors(filename: str) -> Dict[str, torch.Tensor]:
    """All tensor attributes of a TorchScript module, by dotted name.

    Args:
        filename (str): Path of a TorchScript archive.

    Returns:
        dict[str, Tensor]: ``{'visual.conv1.weight': ..., ...}``: the module's
        parameters and buffers (and any other tensor attributes), in their
        stored dtypes, on CPU.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not a readable TorchScript archive.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'TorchScript archive not found: {filename}')
    try:
        with zipfile.ZipFile(filename) as archive:
            prefix = _archive_prefix(archive, filename)
            _check_byteorder(archive, prefix, filename)
            with archive.open(f'{prefix}/data.pkl') as data:
                root = _ArchiveUnpickler(data, archive, prefix,
                                         filename).load()
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError,
            KeyError) as err:
        raise ValueError(
            f'cannot read TorchScript archive {filename}: {err}. If you trust '
            'the file, convert it once with torch.save(torch.jit.load(path)'
            '.state_dict(), new_path) and use the new file') from err
    tensors: Dict[str, torch.Tensor] = OrderedDict()
    _collect_tensors(root, '', tensors)
    return tensors


def _archive_prefix(archive: zipfile.ZipFile, filename: str) -> str:
    prefixes = [
        name[:-len('/data.pkl')] for name in archive.namelist()
        if name.count('/') == 1 and name.endswith('/data.pkl')
    ]
    if len(prefixes) != 1:
        raise ValueError(
            f'{filename} is not a TorchScript archive: expected one '
            f'"<name>/data.pkl" record, found {len(prefixes)}')
    return prefixes[0]


def _check_byteorder(archive: zipfile.ZipFile, prefix: str,
                     filename: str) -> None:
    record = f'{prefix}/byteorder'
    if record in archive.namelist():
        order = archive.read(record).decode().strip()
        if order != 'little':
            raise ValueError(
                f'{filename} stores {order}-endian tensors; only '
                'little-endian archives are supported')


def _collect_tensors(node: Any, prefix: str,
                     out: Dict[str, torch.Tensor]) -> None:
    if isinstance(node, _ScriptObjectRecord):
        node = node.state
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        if isinstance(value, torch.Tensor):
            out[prefix + name] = value
        elif isinstance(value, (_ScriptObjectRecord, dict)):
            _collect_tensors(value, f'{prefix}{name}.', out)
