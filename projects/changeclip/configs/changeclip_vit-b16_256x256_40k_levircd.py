# ChangeCLIP (ViT-B/16) on LEVIR-CD: the official schedule at HEAD
# (configs/0cd_ce/changeclip_levir_vit.py: batch 12, 40k iterations,
# poly decay to 0 at 40k, lr 0.0001).
_base_ = [
    './_base_/models/changeclip_vit-b16.py',
    '../../../configs/_base_/datasets/levir_cd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/changeclip_schedule_40k.py'
]
train_dataloader = dict(batch_size=12)
train_cfg = dict(val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=20000))
