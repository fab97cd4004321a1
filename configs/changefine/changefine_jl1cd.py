# ChangeFine on JL1-CD. The official code has no config for JL1-CD; this
# one takes the recipe of the official land-cover configs, WHU-CD's
# (configs/_base_/changefine_whucd_recipe.py: the 27 land-cover prompts, LR
# 2e-5, weight decay 0.01, batch 12, 100 epochs of 256x256 tiles, the
# first 20 a linear warm-up). Paper mode; `--cfg-options
# model.mode=official` for the official behaviour.
#
# Epochs -> iterations: 4000 training pairs of 512x512 = 16000 tiles of
# 256x256; batch 12 -> ceil(16000 / 12) = 1334 iterations per epoch; 100
# epochs = 133400 iterations, the first 20 epochs (26680 iterations) a
# warm-up. Each iteration draws 12 random 256x256 crops of the 512x512
# pairs. Validation (on the test split: JL1-CD has no val split) and
# checkpoints every epoch.
_base_ = [
    '../_base_/changefine_whucd_recipe.py', '../_base_/datasets/jl1_cd.py',
    '../_base_/default_runtime.py'
]
# JL1-CD's mean/std is not published; the model's default (ImageNet's, the
# normalisation SAM was trained with) stays until measured: run
# tools/analysis_tools/dataset_stats.py on this config and set
# model.data_preprocessor.mean/std (x255, RGB order, both dates).
train_pipeline = {{_base_.whucd_train_pipeline}}
train_dataloader = dict(
    batch_size=12,  # WHU-CD's total batch; with N GPUs use 12 // N
    dataset=dict(pipeline=train_pipeline))
warmup_iters = 26680
max_iters = 133400
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min=1e-8, by_epoch=False,
         begin=warmup_iters, end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=1334)
default_hooks = dict(checkpoint=dict(interval=1334))
