# CLCD (cropland change detection; Liu et al., JSTARS 2022): 600 pairs of
# 512x512 Gaofen-2 tiles (0.5-2 m) of Guangdong, 2017 and 2019; 360 train,
# 120 val, 120 test. Download: the links in the README of
# github.com/liumency/CropLand-CD (OneDrive, Baidu). Layout (as open-cd's
# configs/_base_/datasets/clcd.py expects):
#   data/CLCD/{train,val,test}/time1/*.png   date 1
#   data/CLCD/{train,val,test}/time2/*.png   date 2
#   data/CLCD/{train,val,test}/label/*.png   0 unchanged / 255 changed
# The labels are read with the strict 0/255 rule (CLCDDataset);
# `opencd_compat=True` thresholds them at 128 as open-cd does.
dataset_type = 'CLCDDataset'
data_root = 'data/CLCD'
# The project's usual 256x256 training crops; open-cd's own config takes
# the whole 512x512 tile with crop and flip only.
crop_size = (256, 256)
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=180),
    dict(type='MultiImgRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(0.8, 1.2),
        saturation_range=(0.8, 1.2),
        hue_delta=10),
    dict(type='MultiImgPackSegInputs')
]
# As open-cd: images brought to 512x512 (a no-op on CLCD's tiles), the
# label loaded after the resize so that scores are taken at full size.
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgResize', scale=(512, 512), keep_ratio=True),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='train/time1',
            img_path_to='train/time2',
            seg_map_path='train/label'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='val/time1',
            img_path_to='val/time2',
            seg_map_path='val/label'),
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='test/time1',
            img_path_to='test/time2',
            seg_map_path='test/label'),
        pipeline=test_pipeline))
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
