# ChangeFine on LEVIR-CD with the official hyper-parameters
# (config/changefine_livercd.json of whudk/ChangeFine, spec section 4).
# Paper mode; configs/changefine/changefine_levircd_official.py (or
# `--cfg-options model.mode=official`) gives the official behaviour.
#
# Epochs -> iterations: the official runs read 256x256 tiles; LEVIR-CD's
# 445 training images of 1024x1024 make 445 x 16 = 7120 tiles; with the
# official batch of 24 that is ceil(7120 / 24) = 297 iterations per epoch,
# and 150 epochs = 150 x 297 = 44550 iterations (no warm-up). Here each
# iteration draws 24 random 256x256 crops of the 1024x1024 images.
_base_ = [
    '../_base_/models/changefine.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_changefine.py'
]
crop_size = (256, 256)
# CLIP's mean/std (the official LEVIR-CD normalisation), x255, RGB order.
model = dict(
    data_preprocessor=dict(
        mean=[122.7709, 116.7460, 104.0937] * 2,
        std=[68.5005, 66.6322, 70.3232] * 2),
    backbone=dict(
        class_names=['background', 'Buildings'], drop=0.1, embed_drop=0.1),
    neck=dict(drop=0.1, attn_drop=0.1),
    decode_head=dict(
        text_drop_path=0.1,
        loss_decode=dict(contrast=dict(max_views=100))))
# Official order: horizontal flip, rotation (+-10 deg), random resize
# (x0.75..1.25), 256x256 crop, saturation drawn per date; dates swapped
# with probability 0.5 (`train.exchange`).
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=10, auto_bound=True),
    dict(
        type='RandomApply',
        prob=0.5,
        transforms=dict(
            type='RandomChoice',
            transforms=[
                dict(type='MultiImgResize', scale_factor=f, keep_ratio=True)
                for f in (0.75, 0.875, 1.125, 1.25)
            ])),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=0,
        contrast_range=(1.0, 1.0),
        saturation_range=(0.5, 1.5),
        hue_delta=0),
    dict(type='MultiImgExchangeTime', prob=0.5),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=24,  # official total batch; with N GPUs use 24 // N
    dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-5, weight_decay=0.05))
max_iters = 44550
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=1e-8, by_epoch=False, begin=0,
         end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=300)
default_hooks = dict(checkpoint=dict(interval=300))
