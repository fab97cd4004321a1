# ChangeFine on SYSU-CD with the official hyper-parameters
# (config/changefine_sysu.json of whudk/ChangeFine, spec section 4).
# Paper mode; `--cfg-options model.mode=official` for the official
# behaviour.
#
# Epochs -> iterations: 12000 training pairs of 256x256; batch 12 -> 1000
# iterations per epoch; 100 epochs = 100000 iterations, no warm-up.
_base_ = [
    '../_base_/models/changefine.py', '../_base_/datasets/sysu_cd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_changefine.py'
]
model = dict(
    data_preprocessor=dict(
        mean=[102.0829, 129.1983, 109.3514] * 2,
        std=[49.2340, 40.3899, 39.5705] * 2),
    backbone=dict(
        class_names={{_base_.landcover_class_names}}, embed_drop=0.1),
    neck=dict(drop=0.1, attn_drop=0.1),
    decode_head=dict(
        text_drop_path=0.1,
        # Official SYSU-CD setting: 50 views per anchor set.
        loss_decode=dict(contrast=dict(max_views=50))))
# Official order: horizontal flip, (random resize + resize back to 256: not
# reproduced), rotation +-10 deg, (256x256 crop: a no-op on 256x256
# tiles), saturation drawn per date. No date swap (`train.exchange` 0).
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=10),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=0,
        contrast_range=(1.0, 1.0),
        saturation_range=(0.5, 1.5),
        hue_delta=0),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=12,  # official total batch; with N GPUs use 12 // N
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=12)  # official validation batch
optim_wrapper = dict(optimizer=dict(lr=1e-5, weight_decay=1e-4))
max_iters = 100000
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=1e-8, by_epoch=False, begin=0,
         end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
