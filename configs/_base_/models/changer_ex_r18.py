# ChangerEx (Fang et al., TGRS 2023): Changer on an interaction ResNet-18
# that exchanges columns after stage 2 and channels after stages 3 and 4,
# trained with OHEM, as in open-cd's configs/changer/changer_ex_r18_*.py.
# ``changer_ex_train_pipeline`` is ChangerEx's training augmentation; its
# configs use it in place of the dataset's (on 256x256 tiles the 512x512
# crop keeps the whole tile).
_base_ = ['./changer_r18.py']
model = dict(
    backbone=dict(
        interaction_cfg=(None, dict(type='SpatialExchange', p=1 / 2),
                         dict(type='ChannelExchange', p=1 / 2),
                         dict(type='ChannelExchange', p=1 / 2))),
    decode_head=dict(
        num_classes=2,
        sampler=dict(
            type='mmseg.OHEMPixelSampler', thresh=0.7, min_kept=100000)))
changer_ex_train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(
        type='MultiImgRandomRotFlip',
        rotate_prob=0.5,
        flip_prob=0.5,
        degree=(-20, 20)),
    dict(type='MultiImgRandomCrop', crop_size=(512, 512), cat_max_ratio=0.75),
    dict(type='MultiImgExchangeTime', prob=0.5),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(0.8, 1.2),
        saturation_range=(0.8, 1.2),
        hue_delta=10),
    dict(type='MultiImgPackSegInputs')
]
