# ChangeCLIP (ViT-B/16) on SYSU-CD: the official schedule at HEAD
# (configs/0cd_ce/changeclip_sysu_vit.py: batch 12, 20k iterations,
# poly decay to 0 at 20k, lr 3e-05).
_base_ = [
    './_base_/models/changeclip_vit-b16.py',
    '../../../configs/_base_/datasets/sysu_cd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/changeclip_schedule_20k.py'
]
train_dataloader = dict(batch_size=12)
train_cfg = dict(val_interval=500)
default_hooks = dict(checkpoint=dict(interval=10000))
optim_wrapper = dict(optimizer=dict(lr=3e-05))
