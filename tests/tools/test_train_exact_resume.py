"""Kill -9 a real tools/train.py run, resume it, get the same weights.

One uninterrupted 12-iteration CPU run (module fixture) is the reference.
A run killed after iteration 6 and resumed from iter_4 (with 2 data
workers instead of 0), and a run killed while writing iter_8.pth and
resumed from the intact iter_6, must both end with the same weights,
optimizer state and validation metrics, bit for bit.
"""
import hashlib
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

from conftest import REPO_ROOT

DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'fcsn', 'fc_siam_diff_demo.py')
HERE = osp.dirname(osp.abspath(__file__))
ITERS = 12


def train(config, work_dir, *extra, expect_ok=True):
    """Run tools/train.py; return (exit status, output)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1',
               PYTHONPATH=os.pathsep.join([REPO_ROOT, HERE]))
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
         *extra], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=300)
    output = proc.stdout + proc.stderr
    if expect_ok:
        assert proc.returncode == 0, output[-3000:]
    return proc.returncode, output


def write_config(path, data_root, workers=0, kill_hook=None):
    """FC-Siam-diff (4 channels, dropout) on 64 px synthetic pairs, seeded
    and deterministic, a checkpoint every 4 iterations."""
    workers_cfg = dict(num_workers=workers, persistent_workers=False)
    hooks = ''
    if kill_hook:
        hooks = ("custom_imports = dict(imports=['resume_kill_hooks'])\n"
                 f'custom_hooks = [{kill_hook!r}]\n')
    path.write_text(f"""
_base_ = [{DEMO_CONFIG!r}]
data_root = {data_root!r}
model = dict(backbone=dict(base_channel=4),
             decode_head=dict(in_channels=4, channels=4))
train_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root),
                        **{workers_cfg!r})
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [dict(type='PolyLR', power=1.0, eta_min=0.0,
                        by_epoch=False, begin=0, end={ITERS})]
train_cfg = dict(max_iters={ITERS}, val_interval=6)
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=5),
                     logger=dict(interval=1))
randomness = dict(seed=11, deterministic=True)
{hooks}""")
    return str(path)


def last_val_metrics(output):
    lines = [line for line in output.splitlines() if 'Iter(val)' in line]
    return re.sub(r'\s+(data_)?time: \S+', '', lines[-1].split(' - ')[-1])


def train_losses(output):
    return dict(re.findall(r'Iter\(train\) \[\s*(\d+)/\d+\].*?loss: (\S+)',
                           output))


def assert_same_checkpoint(path_a, path_b):
    a = torch.load(path_a, weights_only=True)
    b = torch.load(path_b, weights_only=True)
    assert a['meta']['iter'] == b['meta']['iter'] == ITERS
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    moments_a = a['optimizer']['state']
    moments_b = b['optimizer']['state']
    for index, state in moments_a.items():
        for key, value in state.items():
            assert torch.equal(value, moments_b[index][key]), (index, key)


@pytest.fixture(scope='module')
def reference(tmp_path_factory, synthetic_cd_root):
    """The uninterrupted run: its work dir and output."""
    root = tmp_path_factory.mktemp('exact_resume')
    config = write_config(root / 'full.py', synthetic_cd_root)
    work_dir = str(root / 'full')
    return work_dir, train(config, work_dir)[1]


def test_killed_run_resumed_with_workers_is_bit_identical(
        reference, synthetic_cd_root, tmp_path):
    full_dir, full_output = reference
    kill = dict(type='KillAfterIterHook', iteration=6)
    work_dir = str(tmp_path / 'killed')
    # 2 data workers here, none in the reference: augmentation draws
    # travel with the sample indices, so the worker count does not matter.
    status, killed_output = train(
        write_config(tmp_path / 'kill.py', synthetic_cd_root, workers=2,
                     kill_hook=kill), work_dir, expect_ok=False)
    assert status == -9
    assert not osp.exists(osp.join(work_dir, 'iter_8.pth'))

    config = write_config(tmp_path / 'resume.py', synthetic_cd_root,
                          workers=2)
    _, output = train(config, work_dir, '--resume')
    assert 'resumed epoch: 0, iter: 4' in output
    assert_same_checkpoint(osp.join(full_dir, f'iter_{ITERS}.pth'),
                           osp.join(work_dir, f'iter_{ITERS}.pth'))
    assert last_val_metrics(output) == last_val_metrics(full_output)
    assert 'F1' in last_val_metrics(output)
    full_losses = train_losses(full_output)
    losses = {**train_losses(killed_output), **train_losses(output)}
    assert set(losses) == {str(i) for i in range(1, ITERS + 1)}
    assert losses == full_losses


def test_kill_during_checkpoint_write_resumes_previous_intact(
        reference, synthetic_cd_root, tmp_path):
    full_dir, full_output = reference
    kill = dict(type='KillDuringSaveHook', iteration=8)
    work_dir = str(tmp_path / 'killed')
    status, _ = train(write_config(tmp_path / 'kill.py', synthetic_cd_root,
                                   kill_hook=kill), work_dir,
                      expect_ok=False)
    assert status == -9
    # The half-written file has a temporary name; iter_8.pth never existed.
    names = sorted(os.listdir(work_dir))
    assert 'iter_8.pth' not in names
    partial = [n for n in names if n.startswith('.iter_8.pth.partial-')]
    assert len(partial) == 1
    # mmengine rewrote iter_6.pth after the validation at 6 improved the
    # best score: the newest complete checkpoint.
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().endswith('iter_6.pth')

    config = write_config(tmp_path / 'resume.py', synthetic_cd_root)
    _, output = train(config, work_dir, '--resume')
    assert 'resumed epoch: 0, iter: 6' in output
    assert f'ignoring {partial[0]}' in output
    assert_same_checkpoint(osp.join(full_dir, f'iter_{ITERS}.pth'),
                           osp.join(work_dir, f'iter_{ITERS}.pth'))
    assert last_val_metrics(output) == last_val_metrics(full_output)


def digest(folder):
    return {name: hashlib.sha256(
        open(osp.join(folder, name), 'rb').read()).hexdigest()
        for name in os.listdir(folder)
        if osp.isfile(osp.join(folder, name))}


def test_new_run_refuses_to_overwrite_an_earlier_run(
        reference, synthetic_cd_root, tmp_path):
    full_dir, _ = reference
    before = digest(full_dir)
    config = write_config(tmp_path / 'again.py', synthetic_cd_root)
    status, output = train(config, full_dir, expect_ok=False)
    assert status == 1
    assert f'work dir {full_dir} holds checkpoints of an earlier run' \
        in output
    assert 'iter_12.pth' in output and 'last_checkpoint' in output
    assert '--resume' in output and '--force' in output
    assert digest(full_dir) == before


def test_resume_with_nothing_to_resume_is_an_error(synthetic_cd_root,
                                                   tmp_path):
    work_dir = str(tmp_path / 'typo')
    config = write_config(tmp_path / 'c.py', synthetic_cd_root)
    status, output = train(config, work_dir, '--resume', expect_ok=False)
    assert status == 1
    assert f'nothing to resume in work dir {work_dir}' in output
    assert 'the folder does not exist' in output
    assert not osp.exists(work_dir)
