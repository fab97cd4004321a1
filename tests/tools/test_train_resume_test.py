"""The train -> resume -> test (--show-dir) loop through the real tools."""
import argparse
import os
import os.path as osp
import subprocess
import sys

import torch

from conftest import REPO_ROOT, realcd_path

DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'fcsn', 'fc_siam_diff_demo.py')
LEVIR_CONFIG = osp.join(REPO_ROOT, 'configs', 'fcsn',
                        'fc_siam_diff_256x256_40k_levircd.py')


def run_tool(*args, expect_ok=True, timeout=300):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='2')
    proc = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    if expect_ok:
        assert proc.returncode == 0, output[-3000:]
    else:
        assert proc.returncode != 0, output[-3000:]
    return output


def tiny_config(tmp_path, data_root, max_iters=10):
    """A 4-channel FC-Siam-diff on the generated data, no workers."""
    path = tmp_path / 'tiny.py'
    path.write_text(f"""
_base_ = [{DEMO_CONFIG!r}]
data_root = {data_root!r}
base_channels = 4
model = dict(backbone=dict(base_channel=base_channels),
             decode_head=dict(in_channels=base_channels,
                              channels=base_channels))
train_dataloader = dict(batch_size=2, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset=dict(data_root=data_root,
                                    data_prefix=dict(
                                        img_path_from='test/A',
                                        img_path_to='test/B',
                                        seg_map_path='test/label')))
train_cfg = dict(max_iters={max_iters}, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=5),
                     logger=dict(interval=5))
""")
    return str(path)


def test_train_resume_test_show_dir(tmp_path, synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    work_dir = str(tmp_path / 'work')
    run_tool('tools/train.py', config, '--work-dir', work_dir)
    checkpoint = torch.load(osp.join(work_dir, 'iter_10.pth'),
                            weights_only=True)  # safe by default
    assert checkpoint['meta']['iter'] == 10

    # An interrupted/finished run continues from its last checkpoint.
    output = run_tool('tools/train.py', config, '--work-dir', work_dir,
                      '--resume', '--cfg-options', 'train_cfg.max_iters=15')
    assert 'resumed epoch: 0, iter: 10' in output
    assert torch.load(osp.join(work_dir, 'iter_15.pth'),
                      weights_only=True)['meta']['iter'] == 15

    show_dir = str(tmp_path / 'vis')
    output = run_tool('tools/test.py', config,
                      osp.join(work_dir, 'iter_15.pth'), '--work-dir',
                      work_dir, '--show-dir', show_dir)
    assert 'F1' in output and 'IoU' in output
    panels = sorted(f for f in os.listdir(show_dir) if f.endswith('.png'))
    assert panels == ['test_0000.png', 'test_0001.png']
    assert sorted(os.listdir(osp.join(show_dir, 'masks'))) == panels


def test_test_tool_refuses_unsafe_and_foreign_checkpoints(
        tmp_path, synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    unsafe = str(tmp_path / 'unsafe.pth')
    torch.save({'state_dict': {}, 'args': argparse.Namespace(lr=1)}, unsafe)
    output = run_tool('tools/test.py', config, unsafe, '--work-dir',
                      str(tmp_path / 'w1'), expect_ok=False)
    assert 'unsafe.pth holds Python objects' in output
    assert '--trust-checkpoint' in output

    foreign = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': {'encoder.layer.weight': torch.ones(1)}},
               foreign)
    output = run_tool('tools/test.py', config, foreign, '--work-dir',
                      str(tmp_path / 'w2'), expect_ok=False)
    assert 'shares no parameter name' in output


def test_unknown_module_names_the_searched_scope(tmp_path,
                                                 synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root)
    output = run_tool('tools/train.py', config, '--work-dir',
                      str(tmp_path / 'w'), '--cfg-options',
                      'model.backbone.type=FC_Siam_dif', expect_ok=False)
    assert 'FC_Siam_dif is not in the changefine_mm::model registry' in output


def test_two_process_cpu_distributed_training(tmp_path, synthetic_cd_root):
    config = tiny_config(tmp_path, synthetic_cd_root, max_iters=4)
    work_dir = str(tmp_path / 'dist')
    env = dict(os.environ, PORT='29631', OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', work_dir,
         '--cfg-options', 'train_cfg.val_interval=4',
         'default_hooks.checkpoint.interval=4'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert 'gloo' in output or 'world_size: 2' in output.replace('\n', ' ')
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))


def test_levir_config_on_real_samples(tmp_path):
    crops = realcd_path('levir_cd_256')
    tile = realcd_path('levir_cd_1024')
    work_dir = str(tmp_path / 'levir')
    prefix = ('img_path_from=A', 'img_path_to=B', 'seg_map_path=label')
    options = ['train_dataloader.dataset.data_root=' + crops]
    for split, root in (('train', crops), ('val', tile), ('test', tile)):
        options += [f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False',
                    f'{split}_dataloader.dataset.data_root={root}']
        options += [f'{split}_dataloader.dataset.data_prefix.{p}'
                    for p in prefix]
    # A narrower network keeps this CPU test short; the config is the same.
    options += ['model.backbone.base_channel=4',
                'model.decode_head.in_channels=4',
                'model.decode_head.channels=4']
    options += ['train_dataloader.batch_size=2', 'train_cfg.max_iters=4',
                'train_cfg.val_interval=2',
                'default_hooks.checkpoint.interval=2']
    run_tool('tools/train.py', LEVIR_CONFIG, '--work-dir', work_dir,
             '--cfg-options', *options)
    output = run_tool('tools/train.py', LEVIR_CONFIG, '--work-dir',
                      work_dir, '--resume', '--cfg-options', *options[:-3],
                      'train_cfg.max_iters=6', 'train_cfg.val_interval=2',
                      'default_hooks.checkpoint.interval=2')
    assert 'resumed epoch: 0, iter: 4' in output
    show_dir = str(tmp_path / 'levir_vis')
    run_tool('tools/test.py', LEVIR_CONFIG, osp.join(work_dir, 'iter_6.pth'),
             '--work-dir', work_dir, '--show-dir', show_dir,
             '--cfg-options', *options[:-4])
    assert os.listdir(show_dir) and 'test_12.png' in os.listdir(show_dir)
