# ChangeFine on WHU-CD with the official hyper-parameters
# (config/changefine_whucd.json of whudk/ChangeFine, spec section 4; the
# recipe is configs/_base_/changefine_whucd_recipe.py). Paper mode;
# `--cfg-options model.mode=official` for the official behaviour.
#
# Epochs -> iterations: the usual 256x256 split of WHU-CD has 6096 training
# tiles; batch 12 -> 6096 / 12 = 508 iterations per epoch; 100 epochs =
# 50800 iterations, the first 20 epochs (10160 iterations) a linear
# warm-up.
_base_ = [
    '../_base_/changefine_whucd_recipe.py', '../_base_/datasets/whu_cd.py',
    '../_base_/default_runtime.py'
]
model = dict(
    data_preprocessor=dict(
        mean=[123.4922, 118.2865, 108.1353] * 2,
        std=[41.2051, 39.3862, 40.1270] * 2))
train_pipeline = {{_base_.whucd_train_pipeline}}
train_dataloader = dict(
    batch_size=12,  # official total batch; with N GPUs use 12 // N
    dataset=dict(pipeline=train_pipeline))
warmup_iters = 10160
max_iters = 50800
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min=1e-8, by_epoch=False,
         begin=warmup_iters, end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
