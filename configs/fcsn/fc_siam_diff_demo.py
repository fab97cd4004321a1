# FC-Siam-diff (base 8) on the synthetic demo data written by
# tools/misc/make_demo_data.py: 300 iterations, about a minute on 2 CPU cores.
_base_ = [
    '../_base_/models/fc_siam_diff.py', '../_base_/datasets/demo_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
base_channels = 8
model = dict(
    backbone=dict(base_channel=base_channels),
    decode_head=dict(
        in_channels=base_channels,
        channels=base_channels,
        # ~7 % of the demo pixels change; weighting keeps the rare class
        # from being ignored in such a short run.
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', class_weight=[1.0, 5.0])))
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=30,
         end=300),
]
train_cfg = dict(max_iters=300, val_interval=100)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, max_keep_ckpts=2))
