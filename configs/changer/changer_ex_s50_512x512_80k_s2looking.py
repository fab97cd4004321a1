# ChangerEx-S50 (interaction ResNeSt-50) on S2Looking, as open-cd's
# configs/changer/changer_ex_s50_512x512_80k_s2looking.py: the LEVIR-CD
# model and 512x512 training pipeline of
# changer_ex_s50_512x512_40k_levircd.py, 80k iterations with the standard
# AdamW (lr 1e-3, weight decay 0.05: open-cd's S2Looking config keeps it).
_base_ = [
    '../_base_/models/changer_s50.py', '../_base_/datasets/s2looking.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
crop_size = (512, 512)
model = dict(
    backbone=dict(
        interaction_cfg=(None, dict(type='SpatialExchange', p=1 / 2),
                         dict(type='ChannelExchange', p=1 / 2),
                         dict(type='ChannelExchange', p=1 / 2))),
    decode_head=dict(
        num_classes=2,
        sampler=dict(
            type='mmseg.OHEMPixelSampler', thresh=0.7, min_kept=100000)))
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(
        type='MultiImgRandomRotFlip',
        rotate_prob=0.5,
        flip_prob=0.5,
        degree=(-20, 20)),
    dict(type='MultiImgRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='MultiImgExchangeTime', prob=0.5),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(0.8, 1.2),
        saturation_range=(0.8, 1.2),
        hue_delta=10),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
