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
_base_ = ['./tiles_512.py']
dataset_type = 'RSIPACCDDataset'
data_root = 'data/RSIPAC_CD'
# The 512x512 tiles' pipelines (tiles_512.py); open-cd's own config takes
# 512x512 crops with flip only.
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
            img_path_from='val/A',
            img_path_to='val/B',
            seg_map_path='val/label'),
        pipeline={{_base_.test_pipeline}}))
# The contest's test_AB has no labels, so tools/test.py scores the val
# split; predict test_AB with tools/infer.py (docs/datasets.md).
test_dataloader = val_dataloader
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
