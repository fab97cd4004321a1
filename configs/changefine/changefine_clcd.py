# ChangeFine on CLCD. The official code has no config for CLCD; this
# one takes the recipe of the official land-cover configs, WHU-CD's
# (configs/_base_/changefine_whucd_recipe.py: the 27 land-cover prompts, LR
# 2e-5, weight decay 0.01, batch 12, 100 epochs of 256x256 tiles, the
# first 20 a linear warm-up). Paper mode; `--cfg-options
# model.mode=official` for the official behaviour.
#
# Epochs -> iterations: 360 training pairs of 512x512 = 360 x 4 = 1440
# tiles of 256x256; batch 12 -> 120 iterations per epoch; 100 epochs =
# 12000 iterations, the first 20 epochs (2400 iterations) a warm-up.
# Each iteration draws 12 random 256x256 crops of the 512x512 pairs.
# Validation and checkpoints every epoch.
_base_ = [
    '../_base_/changefine_whucd_recipe.py', '../_base_/datasets/clcd.py',
    '../_base_/default_runtime.py'
]
# CLCD's mean/std is not published; the model's default (ImageNet's, the
# normalisation SAM was trained with) stays until measured: run
# tools/analysis_tools/dataset_stats.py on this config and set
# model.data_preprocessor.mean/std (x255, RGB order, both dates).
train_pipeline = {{_base_.whucd_train_pipeline}}
train_dataloader = dict(
    batch_size=12,  # WHU-CD's total batch; with N GPUs use 12 // N
    dataset=dict(pipeline=train_pipeline))
warmup_iters = 2400
max_iters = 12000
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min=1e-8, by_epoch=False,
         begin=warmup_iters, end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=120)
default_hooks = dict(checkpoint=dict(interval=120))
