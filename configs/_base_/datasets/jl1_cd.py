# JL1-CD (Liu et al., arXiv 2502.13407, the dataset of open-cd's MTKD
# configs): 5000 pairs of 512x512 Jilin-1 tiles (0.5-0.75 m), 4000 train
# and 1000 test; there is no validation split. Download: Hugging Face
# datasets/circleLZY/JL1-CD (or the Google Drive / Baidu links of
# open-cd's configs/mtkd/README.md). Layout (as open-cd's
# configs/common/standard_512x512_200k_jl1cd.py expects):
#   data/JL1-CD/{train,test}/A/*.png       date 1
#   data/JL1-CD/{train,test}/B/*.png       date 2
#   data/JL1-CD/{train,test}/label/*.png   0 unchanged / 255 changed
# The labels are read with the strict 0/255 rule (JL1CDDataset);
# `opencd_compat=True` thresholds them at 128 as open-cd does.
dataset_type = 'JL1CDDataset'
data_root = 'data/JL1-CD'
# open-cd's JL1-CD augmentation; its crop takes the whole 512x512 tile,
# here the project's usual 256x256 crops.
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
# As open-cd: images brought to 512x512 (a no-op on JL1-CD's tiles), the
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
            img_path_from='train/A',
            img_path_to='train/B',
            seg_map_path='train/label'),
        pipeline=train_pipeline))
# No validation split: validation runs on the test split, as in open-cd
# and the JL1-CD paper. For model selection on held-out pairs, list some
# training stems in a file and pass it as `ann_file` (docs/datasets.md).
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='test/A',
            img_path_to='test/B',
            seg_map_path='test/label'),
        pipeline=test_pipeline))
val_dataloader = test_dataloader
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
