"""Thread count from affinity, cgroup quota and processes per node."""
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config

from changefine_mm.utils import threads


@pytest.fixture
def affinity(monkeypatch):
    """Pretend the process may run on ``n`` CPUs."""

    def set_cores(n: int) -> None:
        monkeypatch.setattr(threads.os, 'sched_getaffinity',
                            lambda pid: set(range(n)))

    return set_cores


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota(tmp_path):
    write(tmp_path / 'cpu.max', '150000 100000\n')
    assert threads.cgroup_cpu_quota(str(tmp_path)) == 1.5
    write(tmp_path / 'cpu.max', 'max 100000\n')
    assert threads.cgroup_cpu_quota(str(tmp_path)) is None


def test_cgroup_v1_quota(tmp_path):
    write(tmp_path / 'cpu' / 'cpu.cfs_quota_us', '400000')
    write(tmp_path / 'cpu' / 'cpu.cfs_period_us', '100000')
    assert threads.cgroup_cpu_quota(str(tmp_path)) == 4.0
    write(tmp_path / 'cpu' / 'cpu.cfs_quota_us', '-1')
    assert threads.cgroup_cpu_quota(str(tmp_path)) is None


def test_no_cgroup_files(tmp_path):
    assert threads.cgroup_cpu_quota(str(tmp_path)) is None


def test_quota_caps_affinity(tmp_path, affinity):
    affinity(16)
    assert threads.usable_cores(str(tmp_path)) == 16
    write(tmp_path / 'cpu.max', '250000 100000')
    assert threads.usable_cores(str(tmp_path)) == 2
    write(tmp_path / 'cpu.max', '50000 100000')
    assert threads.usable_cores(str(tmp_path)) == 1
    affinity(1)
    write(tmp_path / 'cpu.max', '800000 100000')
    assert threads.usable_cores(str(tmp_path)) == 1


def test_processes_per_node_share_cores(tmp_path, affinity):
    affinity(8)
    assert threads.threads_per_process({}, str(tmp_path)) == 8
    assert threads.threads_per_process({'LOCAL_WORLD_SIZE': '4'},
                                       str(tmp_path)) == 2
    assert threads.threads_per_process({'LOCAL_WORLD_SIZE': '16'},
                                       str(tmp_path)) == 1


def test_overrides(tmp_path, affinity):
    affinity(8)
    env = {'OMP_NUM_THREADS': '3', 'LOCAL_WORLD_SIZE': '4'}
    assert threads.threads_per_process(env, str(tmp_path)) == 3
    env[threads.ENV_THREADS] = '5'
    assert threads.threads_per_process(env, str(tmp_path)) == 5
    env[threads.ENV_THREADS] = 'two'
    with pytest.raises(ValueError, match=threads.ENV_THREADS):
        threads.threads_per_process(env, str(tmp_path))


def test_configure_sets_torch_and_loaders(tmp_path, affinity):
    affinity(4)
    cfg = Config(dict(
        randomness=dict(seed=7),
        train_dataloader=dict(num_workers=2),
        val_dataloader=dict(num_workers=0),
        test_dataloader=dict(num_workers=1, worker_init_fn=dict(type='x'))))
    before = torch.get_num_threads()
    try:
        assert threads.configure_threads(
            cfg, {'LOCAL_WORLD_SIZE': '2', 'RANK': '1'}, str(tmp_path)) == 2
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert cfg.train_dataloader.worker_init_fn == dict(
        type=threads.WORKER_INIT, num_workers=2, seed=7, rank=1)
    assert 'worker_init_fn' not in cfg.val_dataloader
    assert cfg.test_dataloader.worker_init_fn == dict(type='x')


def test_worker_init_seeds_like_mmengine():
    before = torch.get_num_threads()
    try:
        threads.worker_init(1, num_workers=2, seed=10, rank=1)
        assert torch.get_num_threads() == 1
        drawn = (np.random.rand(), random.random(), torch.rand(1).item())
    finally:
        torch.set_num_threads(before)
    seed = 2 * 1 + 1 + 10
    np.random.seed(seed)
    random.seed(seed)
    torch.manual_seed(seed)
    assert drawn == (np.random.rand(), random.random(), torch.rand(1).item())
