# RSIPAC-CD (the change detection track of the 2021 Remote Sensing Image
# Processing Algorithm Contest; download from the PIE-Engine dataset page
# linked in open-cd's README): RGB GeoTIFF tiles that open-cd's config
# crops and resizes at 512x512, PNG labels. Layout (as open-cd's
# configs/_base_/datasets/rsipac_cd.py expects):
#   data/RSIPAC_CD/{train,val}/A/*.tif       date 1
#   data/RSIPAC_CD/{train,val}/B/*.tif       date 2
#   data/RSIPAC_CD/{train,val}/label/*.png   0 unchanged / 1 changed
#   data/RSIPAC_CD/test_AB/{A,B}/*.tif       the contest's test pairs, no
#                                            labels
# open-cd reads the labels as they are (no threshold), which only works
# for 0/1 files; RSIPACCDDataset accepts 0/1 and 0/255 and refuses any
# other value.
dataset_type = 'RSIPACCDDataset'
data_root = 'data/RSIPAC_CD'
# The project's usual 256x256 training crops; open-cd's own config takes
# 512x512 crops with flip only.
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
# As open-cd: images brought to 512x512, the label loaded after the resize
# so that scores are taken at full size.
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
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path_from='val/A',
            img_path_to='val/B',
            seg_map_path='val/label'),
        pipeline=test_pipeline))
# The contest's test_AB has no labels, so tools/test.py scores the val
# split; predict test_AB with tools/infer.py (docs/datasets.md).
test_dataloader = val_dataloader
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
