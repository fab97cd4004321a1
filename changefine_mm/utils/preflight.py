"""Checks that run before the expensive model build of every tool.

A config typo, a missing data folder, checkpoint or weight file, or an
offline download fails here within a few seconds of start, as one line
that names the problem and the fix, instead of after minutes of setup as
a traceback. Every check raises :class:`PreflightError`;
:func:`exit_on_error` turns it into ``error: ...`` and exit status 1.
"""
import difflib
import glob
import os
import os.path as osp
import socket
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

WEIGHTS_DOC = 'docs/changefine.md#weights-to-download'
# Config keys whose string values are weight files (or weight URLs).
_WEIGHT_KEYS = ('checkpoint', 'pretrained', 'model_path')
_URL_SCHEMES = ('http', 'https', 'open-mmlab', 'openmmlab', 'mmcls',
                'torchvision', 'mmpretrain')
_CONNECT_TIMEOUT_S = 3.0


class PreflightError(ValueError):
    """A one-line problem found before the model is built."""


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Turn a :class:`PreflightError` into a clean exit.

    Yields:
        None: Run the checks inside the ``with`` block.

    Raises:
        SystemExit: ``error: <message>`` (exit status 1, no traceback).
    """
    try:
        yield
    except PreflightError as err:
        raise SystemExit(f'error: {err}') from None


def _config_candidates(path: str) -> List[str]:
    """Config files near ``path``: under its deepest existing folder."""
    folder = osp.dirname(path)
    while folder and not osp.isdir(folder):
        folder = osp.dirname(folder)
    roots = [folder] if folder else ['configs', 'projects']
    found = []
    for root in roots:
        found += glob.glob(osp.join(root, '**', '*.py'), recursive=True)
    return [osp.normpath(p) for p in found]


def check_config_path(path: str) -> None:
    """The config file exists (else name the closest existing one).

    Args:
        path (str): Config path given on the command line.

    Raises:
        PreflightError: If the file does not exist.
    """
    if osp.isfile(path):
        return
    close = difflib.get_close_matches(osp.normpath(path),
                                      _config_candidates(path), n=1,
                                      cutoff=0.6)
    hint = f'; did you mean {close[0]}?' if close else ''
    raise PreflightError(f'config file not found: {path}{hint}')


def check_checkpoint(path: Optional[str], what: str = 'checkpoint') -> None:
    """A local checkpoint file exists (URLs are left to the loader).

    Args:
        path (str, optional): The checkpoint; None passes.
        what (str): How the message names it.

    Raises:
        PreflightError: If the file does not exist.
    """
    if not path or _is_url(path) or osp.isfile(path):
        return
    folder = osp.dirname(path) or '.'
    if osp.isdir(folder):
        names = [n for n in os.listdir(folder)
                 if n.endswith(('.pth', '.pt', '.ckpt', '.bin'))]
        close = difflib.get_close_matches(osp.basename(path), names, n=1)
        hint = (f'; did you mean {osp.join(folder, close[0])}?'
                if close else f'; {folder} holds no .pth file')
    else:
        hint = f' (folder {folder} does not exist)'
    raise PreflightError(f'{what} not found: {path}{hint}')


def _is_url(value: str) -> bool:
    return urlparse(value).scheme in _URL_SCHEMES


def _dataset_configs(node: Any, where: str) -> Iterator[Tuple[dict, str]]:
    """Leaf dataset configs of a (possibly wrapped) dataset config."""
    if not isinstance(node, dict):
        return
    if 'datasets' in node:  # ConcatDataset
        for index, child in enumerate(node['datasets']):
            yield from _dataset_configs(child, f'{where}.datasets.{index}')
    elif isinstance(node.get('dataset'), dict):  # RepeatDataset etc.
        yield from _dataset_configs(node['dataset'], f'{where}.dataset')
    else:
        yield node, where


def _dataset_paths(dataset: dict) -> List[str]:
    """Local folders and list files a dataset config reads."""
    if dataset.get('backend_args'):
        return []  # remote storage: the file backend checks it
    root = dataset.get('data_root') or ''
    if root and not osp.isdir(root):
        return [root]
    paths = []
    prefixes = dataset.get('data_prefix') or {}
    for value in prefixes.values():
        if isinstance(value, str) and value:
            paths.append(osp.join(root, value))
    if dataset.get('ann_file'):
        paths.append(osp.join(root, dataset['ann_file']))
    return [p for p in paths if not _is_url(p) and not osp.exists(p)]


def check_data(cfg: Any, loaders: Sequence[str]) -> None:
    """The data folders of the named dataloaders exist.

    Args:
        cfg (Config): The merged config.
        loaders (sequence[str]): e.g. ``('train_dataloader',
            'val_dataloader')``; absent or None loaders are skipped.

    Raises:
        PreflightError: Listing every missing folder or file at once.
    """
    missing, keys = [], []
    for name in loaders:
        loader = cfg.get(name)
        if not loader:
            continue
        for dataset, where in _dataset_configs(loader.get('dataset'),
                                               f'{name}.dataset'):
            lost = [p for p in _dataset_paths(dataset) if p not in missing]
            if lost:
                missing += lost
                keys.append(f'{where}.data_root')
    if missing:
        raise PreflightError(
            f'data not found: {", ".join(missing)}; prepare the dataset '
            '(docs/datasets.md) or point the config at it, e.g. '
            f'--cfg-options {keys[0]}=PATH')


def _init_only(key: str) -> bool:
    """Whether a weight is read only by ``init_weights`` (training), not
    when the model is built."""
    return key.endswith('.pretrained') or '.init_cfg.' in key


def _weight_entries(node: Any, where: str,
                    initialise: bool = True) -> Iterator[Tuple[str, str]]:
    """(config key, value) of every weight path in a model config; with
    ``initialise=False`` those only ``init_weights`` reads are left out."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return
    for key, value in items:
        path = f'{where}.{key}'
        if isinstance(value, str) and (key in _WEIGHT_KEYS
                                       or key.endswith('_checkpoint')):
            if initialise or not _init_only(path):
                yield path, value
        else:
            yield from _weight_entries(value, path, initialise)


def _download_hint(path: str) -> str:
    """Where a known release file comes from (empty if unknown)."""
    # Imported here: only the error path needs the URL tables.
    from changefine_mm.models.utils.clip_loading import OPENAI_CLIP_URLS
    from changefine_mm.models.utils.sam_loading import SAM_VIT_B_URL
    urls = dict(OPENAI_CLIP_URLS)
    urls[osp.basename(SAM_VIT_B_URL)] = SAM_VIT_B_URL
    url = urls.get(osp.basename(path))
    return f', download {url}' if url else ''


def weights_doc(config_file: Optional[str]) -> str:
    """Where the weights of a config are described: its project's README
    for project configs, docs/changefine.md otherwise."""
    parts = osp.normpath(config_file or '').split(os.sep)
    if 'projects' in parts[:-2]:
        index = parts.index('projects')
        return '/'.join(parts[index:index + 2] + ['README.md'])
    return WEIGHTS_DOC


def check_weight_files(model_cfg: Any, initialise: bool = True,
                       doc: str = WEIGHTS_DOC) -> None:
    """Every local weight file named in the model config exists.

    Keys ``checkpoint``, ``*_checkpoint``, ``pretrained`` and
    ``model_path`` (when it is a path, not a hub name) are checked.

    Args:
        model_cfg (dict): ``cfg.model``.
        initialise (bool): Whether ``init_weights`` will run (training, or
            no checkpoint); if not, ``pretrained`` and ``init_cfg``
            weights are not needed and not checked.
        doc (str): The page that says where the files come from.

    Raises:
        PreflightError: Listing every missing file, its config key and
            download address, at once.
    """
    missing = []
    for key, value in _weight_entries(model_cfg, 'model', initialise):
        if _is_url(value) or osp.exists(value):
            continue
        if key.endswith('model_path') and os.sep not in value:
            continue  # a Hugging Face hub name
        missing.append(f'{value} ({key}{_download_hint(value)})')
    if missing:
        raise PreflightError(
            f'weight file(s) not found: {"; ".join(missing)}. Put them '
            f'there (see {doc}) or set the config key to another path '
            'with --cfg-options KEY=PATH')


def _resolve_url(value: str) -> str:
    """The http(s) address mmengine downloads a weight URL from."""
    scheme = urlparse(value).scheme
    if scheme in ('http', 'https'):
        return value
    from mmengine.runner.checkpoint import (get_external_models,
                                            get_mmcls_models,
                                            get_torchvision_models)
    name = value.split('://', 1)[1]
    tables = dict(torchvision=get_torchvision_models,
                  mmcls=get_mmcls_models, mmpretrain=get_mmcls_models)
    table = tables.get(scheme, get_external_models)()
    return table.get(name, '')


def _cached(url: str) -> bool:
    """Whether mmengine's download cache already holds ``url``."""
    import torch
    name = osp.basename(urlparse(url).path)
    return osp.isfile(osp.join(torch.hub.get_dir(), 'checkpoints', name))


def host_reachable(host: str, port: int = 443) -> bool:
    """Whether a TCP connection to ``host`` opens within a few seconds.

    Args:
        host (str): Host name.
        port (int): Port.

    Returns:
        bool: True if the host answered.
    """
    try:
        with socket.create_connection((host, port), _CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def check_downloads(model_cfg: Any, initialise: bool = True) -> None:
    """Weight URLs of the model config can be fetched (or are cached).

    Args:
        model_cfg (dict): ``cfg.model``.
        initialise (bool): See :func:`check_weight_files`.

    Raises:
        PreflightError: Naming the config key to set to None (random
            initialisation) or to a local file when offline.
    """
    for key, value in _weight_entries(model_cfg, 'model', initialise):
        if not _is_url(value):
            continue
        url = _resolve_url(value)
        if url and _cached(url):
            continue
        host = urlparse(url).hostname if url else None
        if host and host_reachable(host):
            continue
        raise PreflightError(
            f'{key}={value!r} must be downloaded from {host or value}, '
            'which cannot be reached (offline?); set --cfg-options '
            f'{key}=None (random initialisation) or a local .pth file')


def check_run(cfg: Any,
              loaders: Sequence[str] = (),
              checkpoint: Optional[str] = None,
              initialise: bool = True) -> None:
    """All checks a tool needs once its config is merged.

    Args:
        cfg (Config): The merged config.
        loaders (sequence[str]): Dataloaders whose data must exist.
        checkpoint (str, optional): Checkpoint file to be loaded.
        initialise (bool): Whether the model's ``init_weights`` runs
            (training; inference without a checkpoint).

    Raises:
        PreflightError: The first problem found.
    """
    check_checkpoint(checkpoint)
    check_data(cfg, loaders)
    check_weight_files(cfg.get('model'), initialise,
                       weights_doc(getattr(cfg, 'filename', None)))
    check_downloads(cfg.get('model'), initialise)


def check_inference(config: str,
                    checkpoint: Optional[str],
                    cfg_options: Optional[dict] = None) -> None:
    """The checks of tools that build a model without data (inference,
    export, the demo app): config, checkpoint and weight files.

    Args:
        config (str): Config file.
        checkpoint (str, optional): Checkpoint file.
        cfg_options (dict, optional): Config overrides.

    Raises:
        PreflightError: The first problem found.
    """
    from mmengine.config import Config
    check_config_path(config)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    # Without a checkpoint (the demo app) init_weights gives the weights.
    check_run(cfg, checkpoint=checkpoint, initialise=checkpoint is None)
