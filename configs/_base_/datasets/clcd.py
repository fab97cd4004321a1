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
_base_ = ['./tiles_512.py']
dataset_type = 'CLCDDataset'
data_root = 'data/CLCD'
# The 512x512 tiles' pipelines (tiles_512.py); open-cd's own config takes
# the whole tile with crop and flip only.
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
        pipeline={{_base_.train_pipeline}}))
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
        pipeline={{_base_.test_pipeline}}))
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
        pipeline={{_base_.test_pipeline}}))
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
