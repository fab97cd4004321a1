"""CPU thread settings of a process and of its data-loader workers.

PyTorch starts one intra-op (OpenMP) thread per *logical CPU of the
machine*, not per core the process may use. In a container limited to two
cores, under ``taskset``, or with several processes per node (``torchrun
--nproc-per-node``), every process then runs more threads than cores and
OpenMP's spinning threads slow everything down many times over. This module
decides the thread count in one place:

``threads = max(1, usable cores // processes per node)``

* usable cores: the CPU affinity of the process (``os.sched_getaffinity``),
  capped by the cgroup CPU quota (v2 ``cpu.max``, v1
  ``cpu.cfs_quota_us / cpu.cfs_period_us``; rounded down, at least 1);
* processes per node: ``LOCAL_WORLD_SIZE`` (set by torchrun), else 1.

Overrides, strongest first: the environment variable
``CHANGEFINE_NUM_THREADS``, then ``OMP_NUM_THREADS`` (kept as the user set
it). Data-loader workers run one thread each (:func:`worker_init`).
"""
import logging
import math
import os
import random
from typing import Mapping, Optional

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.registry import FUNCTIONS

ENV_THREADS = 'CHANGEFINE_NUM_THREADS'
WORKER_INIT = 'changefine_worker_init'
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
CGROUP_ROOT = '/sys/fs/cgroup'


def cgroup_cpu_quota(root: str = CGROUP_ROOT) -> Optional[float]:
    """CPUs granted by the cgroup CPU quota, or None without a quota.

    Args:
        root (str): cgroup mount point (v2 ``cpu.max`` directly in it, v1
            ``cpu/cpu.cfs_quota_us`` and ``cpu/cpu.cfs_period_us``).

    Returns:
        float | None: quota / period (e.g. 1.5), None when unlimited or
        unreadable.
    """
    try:
        with open(os.path.join(root, 'cpu.max')) as f:
            quota, period = f.read().split()[:2]
    except (OSError, ValueError):
        try:
            with open(os.path.join(root, 'cpu', 'cpu.cfs_quota_us')) as f:
                quota = f.read().strip()
            with open(os.path.join(root, 'cpu', 'cpu.cfs_period_us')) as f:
                period = f.read().strip()
        except OSError:
            return None
    if quota in ('max', '-1'):
        return None
    try:
        value = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def usable_cores(root: str = CGROUP_ROOT) -> int:
    """Cores this process may use: affinity capped by the cgroup quota.

    Args:
        root (str): cgroup mount point (see :func:`cgroup_cpu_quota`).

    Returns:
        int: At least 1.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota(root)
    if quota is not None:
        cores = min(cores, math.floor(quota))
    return max(1, cores)


def threads_per_process(env: Optional[Mapping[str, str]] = None,
                        root: str = CGROUP_ROOT) -> int:
    """Intra-op threads for this process (see the module doc).

    Args:
        env (Mapping, optional): Environment; defaults to ``os.environ``.
        root (str): cgroup mount point.

    Returns:
        int: The thread count, at least 1.

    Raises:
        ValueError: If an override variable is not a positive integer.
    """
    env = os.environ if env is None else env
    for name in (ENV_THREADS, 'OMP_NUM_THREADS'):
        if env.get(name):
            return _positive(env[name], name)
    procs = _positive(env.get('LOCAL_WORLD_SIZE') or '1', 'LOCAL_WORLD_SIZE')
    return max(1, usable_cores(root) // procs)


def configure_threads(cfg=None,
                      env: Optional[Mapping[str, str]] = None,
                      root: str = CGROUP_ROOT) -> int:
    """Set torch's intra-op threads for this process and log the choice;
    with a config, also give its data loaders :func:`worker_init`.

    Args:
        cfg (Config, optional): Runner config, changed in place (see
            :func:`set_worker_threads`).
        env (Mapping, optional): Environment; defaults to ``os.environ``.
        root (str): cgroup mount point.

    Returns:
        int: The thread count set.
    """
    env = os.environ if env is None else env
    threads = threads_per_process(env, root)
    torch.set_num_threads(threads)
    if cfg is not None:
        set_worker_threads(cfg, int(env.get('RANK') or 0))
    source = next((n for n in (ENV_THREADS, 'OMP_NUM_THREADS')
                   if env.get(n)), None)
    why = f'from {source}' if source else (
        f'{usable_cores(root)} usable core(s) / '
        f'{env.get("LOCAL_WORLD_SIZE") or 1} process(es) per node; '
        f'set {ENV_THREADS} to override')
    print_log(f'CPU threads: {threads} per process ({why}), 1 per '
              'data-loader worker', logger='current', level=logging.INFO)
    return threads


@FUNCTIONS.register_module(name=WORKER_INIT)
def worker_init(worker_id: int, num_workers: int, seed: Optional[int],
                rank: int = 0) -> None:
    """Data-loader worker start: one thread, then seed like mmengine.

    Each worker gets ``seed + num_workers * rank + worker_id`` for numpy,
    ``random`` and torch (mmengine's rule); without a seed, numpy and
    ``random`` follow torch's own per-worker seed, so workers never share
    augmentations.

    Args:
        worker_id (int): Worker index.
        num_workers (int): Workers of the loader.
        seed (int, optional): Base seed of the run.
        rank (int): Process rank (0 outside distributed runs).
    """
    torch.set_num_threads(1)
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass
    if seed is None:
        worker_seed = torch.initial_seed() % 2**32
    else:
        worker_seed = (num_workers * rank + worker_id + seed) % 2**32
        torch.manual_seed(worker_seed)
    np.random.seed(worker_seed)
    random.seed(worker_seed)


def set_worker_threads(cfg, rank: int = 0) -> None:
    """Give every multi-worker data loader of ``cfg`` :func:`worker_init`.

    Loaders that name their own ``worker_init_fn`` are left alone.

    Args:
        cfg (Config): Runner config, changed in place.
        rank (int): Process rank.
    """
    seed = (cfg.get('randomness') or {}).get('seed')
    for name in DATALOADERS:
        loader = cfg.get(name)
        if not loader or not loader.get('num_workers') or \
                'worker_init_fn' in loader:
            continue
        loader['worker_init_fn'] = dict(
            type=WORKER_INIT, num_workers=loader['num_workers'], seed=seed,
            rank=rank)


def _positive(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f'{name}={text!r} must be a positive integer '
                         '(threads / processes)')
    return value
