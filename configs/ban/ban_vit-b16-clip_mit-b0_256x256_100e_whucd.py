# BAN (CLIP ViT-B/16, MiT-B0 side encoder) on WHU-CD 256x256 tiles, as
# open-cd's configs/ban/ban_vit-b16-clip_mit-b0_256x256_100e_whucd.py: its
# training pipeline (flip and photometric distortion on whole tiles), 100
# epochs with a 5-epoch warm-up, AdamW (weight decay 0.01) with a 0.1x
# encoder and 10x decoder rate, whole-image test. The tiles are read in
# our WHU-CD layout ({train,val,test}/{A,B,label}, as
# configs/_base_/datasets/whu_cd.py); open-cd's config reads its
# WHU-CD-256 tiling through list files.
_base_ = ['./ban_vit-b16-clip_mit-b0_512x512_80k_s2looking.py']
dataset_type = 'WHUCDDataset'
data_root = 'data/WHU-CD'
model = dict(test_cfg=dict(_delete_=True, mode='whole'))
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(0.8, 1.2),
        saturation_range=(0.8, 1.2),
        hue_delta=10),
    dict(type='MultiImgPackSegInputs')
]
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgResize', scale=(256, 256), keep_ratio=True),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='train/A',
            img_path_to='train/B',
            seg_map_path='train/label'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='val/A',
            img_path_to='val/B',
            seg_map_path='val/label'),
        pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='test/A',
            img_path_to='test/B',
            seg_map_path='test/label'),
        pipeline=test_pipeline))
optim_wrapper = dict(optimizer=dict(weight_decay=0.01))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='PolyLR',
        power=1.0,
        begin=5,
        end=100,
        eta_min=0.0,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(
    _delete_=True, type='EpochBasedTrainLoop', max_epochs=100,
    val_interval=10)
default_hooks = dict(
    logger=dict(log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=10))
log_processor = dict(by_epoch=True)
