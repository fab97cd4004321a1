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
_base_ = ['./tiles_512.py']
dataset_type = 'JL1CDDataset'
data_root = 'data/JL1-CD'
# The 512x512 tiles' pipelines (tiles_512.py); open-cd's JL1-CD crop
# takes the whole tile.
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
        pipeline={{_base_.test_pipeline}}))
val_dataloader = test_dataloader
val_evaluator = dict(type='ChangeMetric')
test_evaluator = val_evaluator
