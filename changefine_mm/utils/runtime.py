"""Config adjustments shared by ``tools/train.py`` and ``tools/test.py``."""
import logging
from typing import Any

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log

SAFE_HOOK = 'SafeCheckpointHook'


def ensure_safe_checkpoints(cfg: Config) -> None:
    """Add :class:`SafeCheckpointHook` to ``custom_hooks`` if missing.

    Configs written for open-cd do not list it; without it the run's own
    checkpoints could only be resumed with full unpickling.

    Args:
        cfg (Config): The config, changed in place.
    """
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') in (SAFE_HOOK, f'changefine_mm.{SAFE_HOOK}')
               for h in hooks):
        hooks.append(dict(type=SAFE_HOOK))
    cfg.custom_hooks = hooks


def _replace_sync_bn(node: Any) -> int:
    count = 0
    if isinstance(node, dict):
        if node.get('type') in ('SyncBN', 'mmseg.SyncBN'):
            node['type'] = 'BN'
            count += 1
        for value in node.values():
            count += _replace_sync_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            count += _replace_sync_bn(value)
    return count


def adapt_to_machine(cfg: Config, launcher: str,
                     training: bool = True) -> None:
    """Make a GPU-oriented config run where no GPU is present.

    Without CUDA: ``SyncBN`` becomes ``BN`` (SyncBN needs CUDA), an
    ``AmpOptimWrapper`` becomes a float32 ``OptimWrapper`` (configs may ask
    for mixed precision "on GPU"), and a distributed launch uses the gloo
    backend with a CPU-compatible DDP wrapper (``device_ids=None``). For
    torchrun launches the gloo process group is started here, because
    mmengine's own initialisation always selects a CUDA device. With CUDA
    nothing changes.

    Args:
        cfg (Config): The config, changed in place.
        launcher (str): 'none', 'pytorch', 'slurm' or 'mpi'.
        training (bool): Whether the config is used to train; testing,
            inference and export leave the optimiser alone (and say
            nothing about mixed precision).
    """
    if torch.cuda.is_available():
        return
    replaced = _replace_sync_bn(cfg.model)
    if replaced:
        print_log(f'no GPU: replaced {replaced} SyncBN norm layer(s) by BN',
                  logger='current', level=logging.WARNING)
    wrapper_cfg = cfg.get('optim_wrapper') if training else None
    if wrapper_cfg and wrapper_cfg.get('type') == 'AmpOptimWrapper':
        wrapper_cfg.type = 'OptimWrapper'
        wrapper_cfg.pop('loss_scale', None)
        wrapper_cfg.pop('dtype', None)
        print_log('no GPU: mixed precision off, training in float32',
                  logger='current', level=logging.WARNING)
    if launcher != 'none':
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        wrapper = dict(cfg.get('model_wrapper_cfg') or {})
        wrapper.setdefault('type', 'MMDistributedDataParallel')
        wrapper['device_ids'] = None
        wrapper.setdefault('find_unused_parameters',
                           cfg.get('find_unused_parameters', False))
        cfg.model_wrapper_cfg = wrapper
    if launcher == 'pytorch' and not dist.is_initialized():
        dist.init_process_group(backend='gloo')


def enable_amp(cfg: Config) -> None:
    """Switch the optimiser wrapper to mixed precision when a GPU exists.

    Args:
        cfg (Config): The config, changed in place.
    """
    if not torch.cuda.is_available():
        print_log('--amp needs a GPU; training in float32',
                  logger='current', level=logging.WARNING)
        return
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'AmpOptimWrapper':
        return
    if wrapper != 'OptimWrapper':
        raise ValueError(f'--amp works with OptimWrapper, not {wrapper}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
