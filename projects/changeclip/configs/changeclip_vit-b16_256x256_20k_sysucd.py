# ChangeCLIP (ViT-B/16) on SYSU-CD: the official schedule
# (batch 12, 20k iterations, lr 3e-05).
_base_ = [
    './_base_/models/changeclip_vit-b16.py',
    '../../../configs/_base_/datasets/sysu_cd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_clip_text_cd_20k.py'
]
train_dataloader = dict(batch_size=12)
train_cfg = dict(max_iters=20000, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=10000))
optim_wrapper = dict(optimizer=dict(lr=3e-05))
