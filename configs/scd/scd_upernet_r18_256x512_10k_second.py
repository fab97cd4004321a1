# open-cd's SECOND baseline (configs/general_scd/scd_upernet_r18_256x512_10k_
# second.py): semantic maps in SECOND's convention (class 0 = unchanged) for
# SeK, AdamW with 10x learning rate on the heads, 10k iterations.
_base_ = [
    '../_base_/models/scd_upernet_r18.py', '../_base_/datasets/second.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
model = dict(postprocess_pred_and_label='cover_semantic')
param_scheduler = [
    dict(type='PolyLR', power=0.9, begin=0, end=10000, eta_min=1e-5,
         by_epoch=False)
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.0005, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10.)}))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=10000,
                 val_interval=1000)
default_hooks = dict(
    checkpoint=dict(interval=1000, save_best='semantic/Score'))
