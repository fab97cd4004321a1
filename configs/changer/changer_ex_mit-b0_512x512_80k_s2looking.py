# ChangerEx-MiT-B0 on S2Looking, as open-cd's
# configs/changer/changer_ex_mit-b0_512x512_80k_s2looking.py: the LEVIR-CD
# model, 512x512 training pipeline and AdamW of
# changer_ex_mit-b0_512x512_40k_levircd.py, 80k iterations. open-cd loads
# mmseg's MiT-B0 ImageNet weights from a URL; set model.pretrained to a
# local copy (mit_b0_20220624-7e0fe6dd.pth) to train from them.
_base_ = [
    '../_base_/models/changer_mit_b0.py', '../_base_/datasets/s2looking.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
crop_size = (512, 512)
model = dict(
    pretrained=None,
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
optimizer = dict(
    type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.01)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=optimizer,
    paramwise_cfg=dict(
        custom_keys={
            'pos_block': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'head': dict(lr_mult=10.)
        }))
