# A narrow SCD UPerNet-R18 on the synthetic SECOND-layout demo data written by
# tools/misc/make_scd_demo_data.py (64x64 pairs): 200 iterations, a few
# minutes on 2 CPU cores. SyncBN becomes BN without a GPU.
_base_ = ['./scd_upernet_r18_256x512_10k_second.py']
data_root = 'data/demo_scd'
widths = [8, 16, 32, 64]
model = dict(
    pretrained=None,
    backbone=dict(stem_channels=16, base_channels=8),
    decode_head=dict(
        binary_cd_head=dict(in_channels=widths, channels=16),
        semantic_cd_head=dict(in_channels=widths, channels=16)))
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgMultiAnnLoadAnnotations'),
    dict(type='MultiImgRandomFlip', prob=0.5),
    dict(type='MultiImgPackSegInputs')
]
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgMultiAnnLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        pipeline=test_pipeline,
        data_prefix=dict(
            img_path_from='test/im1',
            img_path_to='test/im2',
            seg_map_path='test/label',
            seg_map_path_from='test/label1',
            seg_map_path_to='test/label2')))
optim_wrapper = dict(optimizer=dict(lr=0.002))
param_scheduler = [
    dict(type='PolyLR', power=0.9, begin=0, end=200, eta_min=1e-5,
         by_epoch=False)
]
train_cfg = dict(max_iters=200, val_interval=100)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, max_keep_ckpts=2))
