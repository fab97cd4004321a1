# ChangerEx-R18 on JL1-CD, as open-cd's
# configs/mtkd/step1/initial-changer_ex_r18_512x512_200k_jl1cd.py (the
# JL1-CD paper's baseline, the student of MTKD's first step): the same
# model, OHEM sampling, augmentations (whole 512x512 tiles), optimizer and
# 200k schedule with validation every 5000 iterations.
_base_ = [
    '../_base_/models/changer_ex_r18.py', '../_base_/datasets/jl1_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
crop_size = (512, 512)
train_pipeline = _base_.changer_ex_train_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optimizer = dict(type='AdamW', lr=0.005, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
max_iters = 200000
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=1000),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1000,
         end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=5000)
default_hooks = dict(checkpoint=dict(interval=5000))
