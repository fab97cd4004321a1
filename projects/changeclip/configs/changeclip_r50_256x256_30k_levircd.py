# ChangeCLIP (R50) on LEVIR-CD: the official schedule at HEAD
# (configs/0cd_ce/changeclip_levir.py: batch 20, 30k iterations,
# poly decay to 0 at 30k, lr 0.0001).
_base_ = [
    './_base_/models/changeclip_r50.py',
    '../../../configs/_base_/datasets/levir_cd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/changeclip_schedule_30k.py'
]
train_dataloader = dict(batch_size=20)
train_cfg = dict(val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=20000))
