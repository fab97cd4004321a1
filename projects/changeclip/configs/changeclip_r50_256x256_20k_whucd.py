# ChangeCLIP (R50) on WHU-CD: the official schedule at HEAD
# (configs/0cd_ce/changeclip_whucd.py: batch 20, 20k iterations,
# poly decay to 0 at 20k, lr 0.0001).
_base_ = [
    './_base_/models/changeclip_r50.py',
    '../../../configs/_base_/datasets/whu_cd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/changeclip_schedule_20k.py'
]
train_dataloader = dict(batch_size=20)
train_cfg = dict(val_interval=500)
default_hooks = dict(checkpoint=dict(interval=10000))
