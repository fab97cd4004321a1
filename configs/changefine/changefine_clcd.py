# ChangeFine on CLCD. The official code has no config for CLCD; this
# one takes the recipe of the official land-cover configs, WHU-CD's
# (configs/changefine/changefine_whucd.py: the 27 land-cover prompts, LR
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
    '../_base_/models/changefine.py', '../_base_/datasets/clcd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_changefine.py'
]
crop_size = (256, 256)
# CLCD's mean/std is not published; the model's default (ImageNet's, the
# normalisation SAM was trained with) stays until measured: run
# tools/analysis_tools/dataset_stats.py on this config and set
# model.data_preprocessor.mean/std (x255, RGB order, both dates).
model = dict(
    # WHU-CD's proj_drop / attn_drop 0.2: embed_img_t, the CPFMs/neck and
    # the text embedding; the fusion decoders keep their fixed 0.1
    # (backbone.drop).
    backbone=dict(
        class_names={{_base_.landcover_class_names}}, embed_drop=0.2),
    neck=dict(drop=0.2, attn_drop=0.2),
    decode_head=dict(
        text_drop_path=0.2,
        loss_decode=dict(contrast=dict(max_views=100))))
# WHU-CD's order: horizontal flip, rotation +-10 deg on an enlarged
# canvas, 256x256 crop, brightness +-10 and saturation drawn per date; no
# date swap.
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=10, auto_bound=True),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(1.0, 1.0),
        saturation_range=(0.5, 1.5),
        hue_delta=0),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=12,  # WHU-CD's total batch; with N GPUs use 12 // N
    dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=2e-5, weight_decay=0.01))
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
