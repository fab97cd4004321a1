# Pre-training on synthetic change pairs (<data_root>/train/{A,B,label}),
# watching zero-shot accuracy on SYSU-CD val. By default the pairs are those
# of this project's region-replacement synthesizer
# (tools/generate_change_pairs.py --out data/regionswap_pairs), NOT the
# paper's latent-diffusion samples; for the official pre-training data set
# train_dataloader.dataset.data_root=data/ChangeAnywhere-100K (the released
# ChangeAnywhere-100K). ChangeAnywhere's released checkpoints come from
# iterations 330k-500k of such a run; the batch size and optimiser of its
# pre-training are not published, so the fine-tuning ones are used.
_base_ = [
    '../../../../configs/_base_/datasets/sysu_cd.py',
    '../../../../configs/_base_/default_runtime.py'
]
custom_imports = dict(
    imports=['projects.changeanywhere.changeanywhere'],
    allow_failed_imports=False)
synthetic_root = 'data/regionswap_pairs'
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='ChangeAnywhereDataset',
        data_root=synthetic_root,
        split='train',
        pipeline={{_base_.train_pipeline}}))
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                 weight_decay=0.05)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=10000),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False,
         begin=10000, end=500000),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=500000,
                 val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10000,
                    save_best='F1', rule='greater', max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='ChangeVisualizationHook'))
