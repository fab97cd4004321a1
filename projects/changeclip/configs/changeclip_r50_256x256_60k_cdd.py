# ChangeCLIP (R50) on CDD: the official schedule
# (batch 20, 60k iterations, lr 0.0001).
_base_ = [
    './_base_/models/changeclip_r50.py',
    '../../../configs/_base_/datasets/cdd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_clip_text_cd_20k.py'
]
train_dataloader = dict(batch_size=20)
train_cfg = dict(max_iters=60000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=20000))
