# ChangeAnywhere's fine-tuning protocol on SYSU-CD (configs/common/
# standard_256x256_50e_sysucd.py of the release): 50 epochs, AdamW 1e-4,
# 10 warm-up epochs then poly decay, validation and checkpoints every 10
# epochs. A label fraction is a stem list in <data_root>/dataset_list: copy
# the official lists there (projects/changeanywhere/dataset_list/SYSU-CD/
# dataset_list), or write new ones with tools/make_fewshot_splits.py.
_base_ = [
    '../../../../configs/_base_/datasets/sysu_cd.py',
    '../../../../configs/_base_/default_runtime.py'
]
train_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True))
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                 weight_decay=0.05)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=True, begin=10,
         end=50, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=10,
                    save_best='F1', rule='greater', max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='ChangeVisualizationHook'))
log_processor = dict(by_epoch=True)
