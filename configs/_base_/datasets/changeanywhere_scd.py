# ChangeAnywhere synthetic pairs as semantic change data: the generator
# (projects/changeanywhere/tools/generate_change_pairs.py) writes
# <root>/<split>/{A,B,label,semantic_A,semantic_B}/*.png, where semantic_A/B
# are each date's full land-cover map in the source's class ids. These are
# LoveDA's (0 no-data, ignored by reduce_semantic_zero_label); for an
# OpenEarthMap source set metainfo.semantic_classes to its 9 names. The maps
# cover unchanged pixels too, so the model runs without cover_semantic and
# the metric without SeK (which needs class 0 = unchanged).
dataset_type = 'BaseSCDDataset'
data_root = 'data/changeanywhere_loveda'
metainfo = dict(
    semantic_classes=('no-data', 'background', 'building', 'road', 'water',
                      'barren', 'forest', 'agriculture'),
    semantic_palette=[[0, 0, 0], [255, 255, 255], [255, 0, 0], [255, 255, 0],
                      [0, 0, 255], [159, 129, 183], [0, 255, 0],
                      [255, 195, 128]])
crop_size = (256, 256)
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgMultiAnnLoadAnnotations'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomFlip', prob=0.5),
    dict(type='MultiImgPackSegInputs')
]
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgMultiAnnLoadAnnotations'),
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
        metainfo=metainfo,
        reduce_semantic_zero_label=True,
        data_prefix=dict(
            img_path_from='train/A',
            img_path_to='train/B',
            seg_map_path='train/label',
            seg_map_path_from='train/semantic_A',
            seg_map_path_to='train/semantic_B'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        reduce_semantic_zero_label=True,
        data_prefix=dict(
            img_path_from='val/A',
            img_path_to='val/B',
            seg_map_path='val/label',
            seg_map_path_from='val/semantic_A',
            seg_map_path_to='val/semantic_B'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='SCDMetric', iou_metrics=['mFscore', 'mIoU'])
test_evaluator = val_evaluator
