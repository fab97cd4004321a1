# OSCD (Onera Satellite Change Detection): 24 Sentinel-2 city pairs, 13
# bands at 10 m, the published split of 14 train and 10 test cities (no
# validation split was published; validation runs on the test cities, as
# in the original baselines). See docs/real_imagery.md.
dataset_type = 'OSCDDataset'
data_root = 'data/OSCD'
crop_size = (128, 128)
# All 13 bands, B01..B12 with B8A after B08; RGB is [4, 3, 2].
bands = list(range(1, 14))
# Each band of each image stretched from its 2nd to its 98th percentile
# onto 0..255: the cities differ in season and atmosphere, and a
# per-image normalisation is what the OSCD baselines used.
scale = dict(type='percentile', low=2, high=98)
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile', bands=bands, scale=scale),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(type='MultiImgPackSegInputs')
]
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile', bands=bands, scale=scale),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
