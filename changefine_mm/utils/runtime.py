"""Config adjustments shared by ``tools/train.py`` and ``tools/test.py``."""
import logging
from typing import Any, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log

SAFE_HOOK = 'SafeCheckpointHook'
AMP_WRAPPERS = ('AmpOptimWrapper', 'AutocastOptimWrapper')


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
        print_log('no GPU: mixed precision off, training in float32 '
                  '(tools/train.py --amp trains with bf16 autocast on CPU)',
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
    """Switch the optimiser wrapper to mixed precision (``--amp``).

    With a GPU: mmengine's ``AmpOptimWrapper`` (float16 with dynamic loss
    scaling unless the config says otherwise). Without one:
    :class:`~changefine_mm.engine.AutocastOptimWrapper` with bfloat16
    autocast (no loss scaling needed). A ChangeFine model also keeps and
    runs its frozen SAM/CLIP encoders in bf16
    (``model.train_cfg.frozen_precision``).

    Args:
        cfg (Config): The config, changed in place.

    Raises:
        ValueError: For an optimiser wrapper other than ``OptimWrapper``.
    """
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if cfg.model.get('type') in ('ChangeFine', 'changefine_mm.ChangeFine'):
        train_cfg = dict(cfg.model.get('train_cfg') or {})
        train_cfg.setdefault('frozen_precision', 'bf16')
        cfg.model.train_cfg = train_cfg
    if wrapper not in ('OptimWrapper', ) + AMP_WRAPPERS:
        raise ValueError(f'--amp works with OptimWrapper, not {wrapper}')
    if torch.cuda.is_available():
        if wrapper == 'OptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        return
    # A config's AmpOptimWrapper (float16, GPU only) becomes bf16 too.
    cfg.optim_wrapper.type = 'AutocastOptimWrapper'
    cfg.optim_wrapper.pop('loss_scale', None)
    cfg.optim_wrapper['dtype'] = 'bfloat16'
    print_log('--amp without a GPU: bfloat16 autocast on CPU',
              logger='current', level=logging.INFO)


# The config key behind ``--channels-last`` of the train, test and infer
# tools (see DualInputSegDataPreProcessor).
CHANNELS_LAST = 'model.data_preprocessor.channels_last'


def enable_channels_last(cfg: Config) -> None:
    """``--channels-last``: the data preprocessor hands the model
    channels-last batches (faster CPU convolutions for the FC-* family,
    SNUNet and others, see docs/baselines.md).

    Args:
        cfg (Config): The config, changed in place.

    Raises:
        ValueError: When the model has no data preprocessor to set.
    """
    if not cfg.model.get('data_preprocessor'):
        raise ValueError(f'--channels-last: {cfg.filename} has no '
                         'model.data_preprocessor to give the layout to')
    cfg.merge_from_dict({CHANNELS_LAST: True})


def set_test_precision(cfg: Config, precision: str) -> None:
    """``--precision`` of tools/test.py: ``model.test_cfg.precision`` and
    ``inference_only`` (the model is not trained here).

    ChangeFine reads them (docs/changefine.md); other models run float32.

    Args:
        cfg (Config): The config, changed in place.
        precision (str): 'fp32' or 'bf16'.
    """
    test_cfg = dict(cfg.model.get('test_cfg') or {})
    test_cfg['precision'] = precision
    test_cfg.setdefault('inference_only', True)
    cfg.model.test_cfg = test_cfg


def precision_options(cfg_options: Optional[dict],
                      precision: str) -> dict:
    """``--cfg-options`` plus ``model.test_cfg.precision`` (tools/infer.py).

    Args:
        cfg_options (dict, optional): The user's overrides.
        precision (str): 'fp32' or 'bf16'.

    Returns:
        dict: The overrides with the precision and ``inference_only``
        (ChangeFine reads them; other models ignore them).
    """
    options = dict(cfg_options or {})
    options.setdefault('model.test_cfg.precision', precision)
    options.setdefault('model.test_cfg.inference_only', True)
    return options
