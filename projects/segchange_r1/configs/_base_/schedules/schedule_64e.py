# The paper's schedule (section 4): AdamW, lr 1e-4 (backbone 1e-5), weight
# decay 1e-4, 64 epochs, StepLR x0.1 every 20 epochs, validation every epoch.
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                 weight_decay=1e-4)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=optimizer,
    paramwise_cfg=dict(custom_keys={'backbone.encoder': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='StepLR', step_size=20, gamma=0.1, by_epoch=True, begin=0,
         end=64)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=64, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1,
                    save_best='IoU', rule='greater', max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='ChangeVisualizationHook'))
