# A tiny SegChange-R1 (random weights, about 1 M parameters) on the synthetic
# demo data of tools/misc/make_demo_data.py: a smoke run on 2 CPU cores,
# also the model the demo app and the tests use. Nothing is downloaded.
_base_ = [
    './_base_/models/segchange_r1_swin-b.py',
    './_base_/datasets/levir_cd_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/schedule_64e.py'
]
# Epoch-based schedule: log by epoch too.
log_processor = dict(by_epoch=True)
channels = 32
scale_channels = (channels, ) * 4
text_channels = 32
data_root = 'data/demo_cd'
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size_divisor=32),
    backbone=dict(
        model_name='resnet50',
        out_indices=(1, 2, 3, 4),
        out_channels=scale_channels,
        checkpoint=None,
        timm_kwargs=dict(
            _delete_=True,
            layers=(1, 1, 1, 1),
            channels=(8, 16, 32, 64),
            stem_width=8),
        bev=dict(num_heads=2, head_channels=16)),
    difference_module=dict(in_channels=scale_channels, ratio=4),
    neck=dict(
        in_channels=scale_channels,
        channels=channels,
        norm_cfg=dict(type='GN', num_groups=8)),
    decode_head=dict(
        in_channels=channels,
        channels=channels // 4,
        text_channels=text_channels,
        num_heads=2,
        feedforward_channels=64,
        norm_cfg=dict(type='GN', num_groups=4)),
    text_encoder=dict(
        checkpoint=None,
        embed_dim=text_channels,
        context_length=16,
        width=32,
        heads=2,
        layers=1),
    test_cfg=dict(_delete_=True, mode='whole'))
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomCrop', crop_size=crop_size),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    {{_base_.pack}}
]
dataset = dict(data_root=data_root, prompt_file=None)
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dataset)
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='StepLR', step_size=4, gamma=0.5, by_epoch=True, begin=0,
         end=10)
]
train_cfg = dict(max_epochs=10, val_interval=5)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=1))
