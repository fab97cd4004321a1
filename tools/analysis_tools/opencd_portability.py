"""How many of open-cd's configs build and train here with only the scope
changed.

For every config of an open-cd checkout (``configs/**.py`` without
``_base_``) this sets ``default_scope = 'changefine_mm'`` and makes only
the edits any user makes to run a config on another machine: the data
root points to a tiny generated dataset in the config's own folder layout
and suffixes, loaders use batch size 2 and no workers, weight downloads
and SyncBN/AMP (without a GPU) are off. Then it builds the train and val
datasets with their pipelines, the evaluator and the model, runs one
train step (loss, backward, optimizer step) and one val step scored by
the evaluator. Each config runs in its own forked process with a time
and memory limit.

Usage::

    python tools/analysis_tools/opencd_portability.py /path/to/open-cd \\
        [--out results.json] [--only changer] [--size 128] \\
        [--cfg-options model.decode_head.channels=16]

It prints a table per config folder (family) and the configs that fail
with the stage and first error line.
"""
import argparse
import copy
import glob
import inspect
import json
import multiprocessing
import os
import os.path as osp
import resource
import sys
import tempfile
import traceback
from collections import OrderedDict
from typing import Dict, List, Optional

import cv2
import numpy as np
from mmengine.config import DictAction

STAGES = ('config', 'dataset', 'pipeline', 'evaluator', 'model', 'train_step',
          'val_step')
LOADERS = ('train_dataloader', 'val_dataloader')
IMAGE_KEYS = ('img_path_from', 'img_path_to', 'img_path', 'img_path2')
STEMS = ('pair_0', 'pair_1')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('opencd', help='open-cd checkout or its configs/')
    parser.add_argument('--out', help='write per-config results as JSON')
    parser.add_argument('--only', default='',
                        help='only configs whose path contains this')
    parser.add_argument('--size', type=int,
                        help='use this crop/resize size instead of the '
                        "configs' (faster, but some models need theirs)")
    parser.add_argument('--timeout', type=int, default=600,
                        help='seconds per config')
    parser.add_argument('--memory-gb', type=float, default=8.,
                        help='address-space limit per config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='merged into every config after '
                        'the user edits, e.g. a smaller model width')
    return parser.parse_args(argv)


def find_configs(root: str) -> List[str]:
    """All open-cd experiment configs under ``root`` (not ``_base_``)."""
    configs = osp.join(root, 'configs')
    root = configs if osp.isdir(configs) else root
    paths = glob.glob(osp.join(root, '**', '*.py'), recursive=True)
    return sorted(p for p in paths
                  if '_base_' not in osp.relpath(p, root).split(os.sep))


def family_of(path: str, root: str) -> str:
    """The config's folder under ``configs/`` (one per model family)."""
    configs = osp.join(root, 'configs')
    root = configs if osp.isdir(configs) else root
    return osp.relpath(path, root).split(os.sep)[0]


# ------------------------------------------------------------ user edits
def _walk(node, visit) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk(value, visit)


def _no_downloads(node: dict) -> None:
    """Drop ImageNet/CLIP initialisation: no network here, and a train
    step does not need pretrained weights. This covers ``init_cfg``
    Pretrained, ``pretrained=<path or URL>`` and ``pretrained=True``,
    including a ``pretrained`` argument that defaults to True (open-cd's
    IFN and TinyCD download torchvision weights unless told not to)."""
    from changefine_mm.registry import MODELS
    init_cfg = node.get('init_cfg')
    if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
        node['init_cfg'] = None
    pretrained = node.get('pretrained')
    if pretrained is None and isinstance(node.get('type'), str):
        model_cls = MODELS.get(node['type'])
        if inspect.isclass(model_cls):
            pretrained = _class_default(model_cls, 'pretrained', None)
    if isinstance(pretrained, str):
        node['pretrained'] = None
    elif pretrained is True:
        node['pretrained'] = False


def _resize_to(size: int):

    def visit(node: dict) -> None:
        kind = str(node.get('type', ''))
        if kind.endswith('RandomCrop') and 'crop_size' in node:
            node['crop_size'] = (size, size)
        if kind.endswith('Resize') and node.get('scale') is not None:
            node['scale'] = (size, size)

    return visit


def user_edits(cfg, data_root: str, size: Optional[int]) -> None:
    """What a user changes to run an open-cd config on this machine."""
    from changefine_mm.utils.runtime import adapt_to_machine
    cfg.default_scope = 'changefine_mm'
    cfg.load_from = None
    if 'model' in cfg:
        _walk(cfg.model, _no_downloads)
    for key in LOADERS:
        loader = cfg[key]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = data_root
        if size:
            _walk(loader.dataset.get('pipeline', []), _resize_to(size))
    if 'model' in cfg:
        adapt_to_machine(cfg, 'none')


# ------------------------------------------------------------ fixtures
def _class_default(dataset_cls, name: str, fallback):
    for klass in inspect.getmro(dataset_cls):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        param = inspect.signature(init).parameters.get(name)
        if param is not None and param.default is not inspect.Parameter.empty:
            return param.default
    return fallback


def write_fixture(dataset_cfg: dict, size: int) -> None:
    """Write two pairs where ``dataset_cfg`` will look for them.

    Raises:
        KeyError: The dataset type is not registered in our scope.
    """
    from changefine_mm.registry import DATASETS
    dataset_cls = DATASETS.get(dataset_cfg['type'])
    if dataset_cls is None:
        raise KeyError(f"dataset {dataset_cfg['type']} is not registered "
                       'in changefine_mm')
    img_suffix = dataset_cfg.get(
        'img_suffix', _class_default(dataset_cls, 'img_suffix', '.png'))
    seg_suffix = dataset_cfg.get(
        'seg_map_suffix', _class_default(dataset_cls, 'seg_map_suffix',
                                         '.png'))
    root = dataset_cfg['data_root']
    rng = np.random.default_rng(0)
    names = []
    for stem in STEMS:
        # An empty suffix means "the name is the whole file name".
        image_name = stem + (img_suffix or '.png')
        label_name = stem + seg_suffix if img_suffix and seg_suffix else \
            image_name
        names.append(image_name if not img_suffix else stem)
        for key, folder in dataset_cfg.get('data_prefix', {}).items():
            if not folder:
                continue
            os.makedirs(osp.join(root, folder), exist_ok=True)
            if key in IMAGE_KEYS:
                image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                cv2.imwrite(osp.join(root, folder, image_name), image)
            else:
                label = np.zeros((size, size), np.uint8)
                label[size // 4:size // 2, size // 3:] = 255
                cv2.imwrite(osp.join(root, folder, label_name), label)
    if dataset_cfg.get('ann_file'):
        ann_file = osp.join(root, dataset_cfg['ann_file'])
        os.makedirs(osp.dirname(ann_file), exist_ok=True)
        with open(ann_file, 'w') as f:
            f.write('\n'.join(names) + '\n')


def crop_size_of(cfg) -> int:
    """The train crop (largest side), else 256."""
    found = []

    def visit(node: dict) -> None:
        if str(node.get('type', '')).endswith('RandomCrop'):
            crop = node.get('crop_size')
            found.append(max(crop) if isinstance(crop,
                                                 (list, tuple)) else crop)

    _walk(cfg.train_dataloader.dataset.get('pipeline', []), visit)
    return int(found[0]) if found else 256


# ------------------------------------------------------------ one config
class StageError(Exception):
    """A stage failed; carries the stage name."""

    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(f'{stage}: {type(error).__name__}: {error}')
        self.stage = stage
        self.error = error


def _stage(name: str, function, *args):
    try:
        return function(*args)
    except Exception as err:  # noqa: BLE001 - every failure is a result
        raise StageError(name, err) from err


def _build_dataset(cfg, key: str):
    from changefine_mm.registry import DATASETS
    return DATASETS.build(copy.deepcopy(cfg[key].dataset))


def _samples(dataset, count: int) -> list:
    return [dataset[i % len(dataset)] for i in range(count)]


def build_data(cfg, size: Optional[int] = None) -> tuple:
    """Write the tiny dataset, build the train and val datasets and run
    their pipelines (call inside the ``changefine_mm`` scope, after
    :func:`user_edits`).

    Returns:
        tuple: train dataset, val dataset, a train batch of 2 and a val
        batch of 1 (collated).
    """
    from mmengine.dataset import pseudo_collate
    fixture_size = size or crop_size_of(cfg)
    for key in LOADERS:
        _stage('dataset', write_fixture, cfg[key].dataset, fixture_size)
    train_set = _stage('dataset', _build_dataset, cfg, 'train_dataloader')
    val_set = _stage('dataset', _build_dataset, cfg, 'val_dataloader')
    train_batch = _stage('pipeline', lambda: pseudo_collate(
        _samples(train_set, 2)))
    val_batch = _stage('pipeline', lambda: pseudo_collate(
        _samples(val_set, 1)))
    return train_set, val_set, train_batch, val_batch


def train_step(model, optim_wrapper_cfg: dict, batch: dict) -> None:
    """One optimizer step; non-finite losses are an error."""
    import torch
    from mmengine.optim import build_optim_wrapper
    torch.manual_seed(0)
    optim_wrapper = build_optim_wrapper(model, optim_wrapper_cfg)
    model.train()
    losses = model.train_step(batch, optim_wrapper)
    bad = [k for k, v in losses.items()
           if not torch.isfinite(torch.as_tensor(v)).all()]
    if bad:
        raise ValueError(f'non-finite losses {bad}')


def val_step(model, evaluator, batch: dict) -> None:
    """Predict one batch and score it with the config's evaluator."""
    model.eval()
    outputs = model.val_step(batch)
    evaluator.process(outputs, batch)
    evaluator.evaluate(1)


def run_config(path: str, work_dir: str, size: Optional[int] = None,
               options: Optional[dict] = None) -> Dict[str, str]:
    """Build and train one open-cd config; see the module docstring.

    Args:
        path (str): The open-cd config file.
        work_dir (str): Empty folder for the tiny dataset.
        size (int, optional): Crop/resize size override.
        options (dict, optional): ``--cfg-options`` merged after the user
            edits (e.g. a reduced model width).

    Returns:
        dict: ``status`` ('runs' or 'fails'), ``stage`` (the failing
        stage, 'val_step' when it runs), ``error`` (first line of the
        error, '' when it runs).
    """
    from mmengine.config import Config
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DefaultScope

    import changefine_mm
    from changefine_mm.registry import MODELS
    changefine_mm.register_all_modules(init_default_scope=False)
    try:
        cfg = _stage('config', Config.fromfile, path)
        if 'model' not in cfg:
            raise StageError('config', ValueError(
                'no model: a dataset/schedule base, not an experiment'))
        _stage('config', user_edits, cfg, work_dir, size)
        _stage('config', cfg.merge_from_dict, options or {})
        with DefaultScope.overwrite_default_scope('changefine_mm'):
            _, val_set, train_batch, val_batch = build_data(cfg, size)
            evaluator = _stage('evaluator', Evaluator, cfg.val_evaluator)
            evaluator.dataset_meta = val_set.metainfo
            model = _stage('model', MODELS.build, cfg.model)
            _stage('train_step', train_step, model, cfg.optim_wrapper,
                   train_batch)
            _stage('val_step', val_step, model, evaluator, val_batch)
    except StageError as err:
        return dict(status='fails', stage=err.stage,
                    error=_first_line(err.error))
    return dict(status='runs', stage='val_step', error='')


def _first_line(error: BaseException) -> str:
    text = f'{type(error).__name__}: {error}'.strip()
    # mmengine's "not in the registry" errors go on with generic advice.
    text = text.split('. Please check whether')[0]
    return text.splitlines()[0][:300] if text else type(error).__name__


def _child(path: str, size: Optional[int], options: dict, memory_gb: float,
           connection) -> None:
    limit = int(memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # The builders' logs and warnings would drown the one-line results.
    with open(os.devnull, 'w') as devnull:
        os.dup2(devnull.fileno(), 1)
        os.dup2(devnull.fileno(), 2)
    try:
        with tempfile.TemporaryDirectory() as work_dir:
            result = run_config(path, work_dir, size, options)
    except BaseException as err:  # noqa: BLE001 - MemoryError and friends
        result = dict(status='fails', stage='crash',
                      error=_first_line(err) or traceback.format_exc(1))
    connection.send(result)


def run_isolated(path: str, size: Optional[int], timeout: int,
                 memory_gb: float,
                 options: Optional[dict] = None) -> Dict[str, str]:
    """:func:`run_config` in a forked process with time/memory limits."""
    context = multiprocessing.get_context('fork')
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child,
                              args=(path, size, options or {}, memory_gb,
                                    sender))
    process.start()
    if receiver.poll(timeout):
        result = receiver.recv()
    else:
        process.kill()
        result = dict(status='fails', stage='timeout',
                      error=f'no result within {timeout} s')
    process.join(10)
    if process.exitcode not in (0, None) and result['stage'] != 'timeout' \
            and result['status'] == 'runs':
        result = dict(status='fails', stage='crash',
                      error=f'exit code {process.exitcode}')
    return result


# ------------------------------------------------------------ report
def summary_table(results: Dict[str, dict], root: str) -> str:
    """Markdown table: configs, building (all parts) and running per
    family."""
    rows = OrderedDict()
    for path, result in sorted(results.items()):
        row = rows.setdefault(family_of(path, root), [0, 0, 0])
        row[0] += 1
        built = result['status'] == 'runs' or result['stage'] in (
            'train_step', 'val_step')
        row[1] += built
        row[2] += result['status'] == 'runs'
    lines = ['| family (configs/ folder) | configs | build | run a train '
             'step |', '|---|---:|---:|---:|']
    for family, (total, built, ran) in rows.items():
        lines.append(f'| {family} | {total} | {built} | {ran} |')
    totals = [sum(r[i] for r in rows.values()) for i in range(3)]
    lines.append(f'| **all** | **{totals[0]}** | **{totals[1]}** | '
                 f'**{totals[2]}** |')
    return '\n'.join(lines)


def preload() -> None:
    """Import the heavy packages once, before forking a child per config."""
    import changefine_mm  # first: the mmcv.ops stand-in for mmseg
    changefine_mm.register_all_modules(init_default_scope=False)
    import mmseg.models  # noqa: F401


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    paths = [p for p in find_configs(args.opencd) if args.only in p]
    if not paths:
        print(f'no open-cd configs under {args.opencd}', file=sys.stderr)
        return 1
    preload()
    results = {}
    for index, path in enumerate(paths, 1):
        result = run_isolated(path, args.size, args.timeout, args.memory_gb,
                              args.cfg_options)
        results[path] = result
        name = osp.relpath(path, args.opencd)
        print(f'[{index}/{len(paths)}] {result["status"]:5} {name} '
              f'{result["stage"] if result["error"] else ""} '
              f'{result["error"]}', flush=True)
    print()
    print(summary_table(results, args.opencd))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump({osp.relpath(p, args.opencd): r
                       for p, r in results.items()}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
