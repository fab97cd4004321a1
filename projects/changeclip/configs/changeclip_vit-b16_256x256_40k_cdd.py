# ChangeCLIP (ViT-B/16) on CDD: the official schedule
# (batch 12, 40k iterations, lr 0.0001).
_base_ = [
    './_base_/models/changeclip_vit-b16.py',
    '../../../configs/_base_/datasets/cdd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_clip_text_cd_20k.py'
]
train_dataloader = dict(batch_size=12)
train_cfg = dict(max_iters=40000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=20000))
