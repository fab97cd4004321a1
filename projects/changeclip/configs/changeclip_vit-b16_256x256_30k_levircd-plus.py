# ChangeCLIP (ViT-B/16) on LEVIR-CD+: the official schedule at HEAD
# (configs/0cd_ce/changeclip_levirplus_vit.py: batch 12, 30k iterations,
# poly decay to 0 at 30k, lr 3e-05).
_base_ = [
    './_base_/models/changeclip_vit-b16.py',
    '../../../configs/_base_/datasets/levir_cd_plus_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/changeclip_schedule_30k.py'
]
train_dataloader = dict(batch_size=12)
train_cfg = dict(val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=20000))
optim_wrapper = dict(optimizer=dict(lr=3e-05))
