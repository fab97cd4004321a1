# TinyCD on LEVIR-CD+: the dataset's standard pipeline, 40k iterations and
# the recipe of tinycd_256x256_40k_levircd.py (its tuned AdamW).
_base_ = [
    '../_base_/models/tinycd.py',
    '../_base_/datasets/levir_cd_plus.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
optimizer = dict(
    type='AdamW',
    lr=0.00356799066427741,
    betas=(0.9, 0.999),
    weight_decay=0.009449677083344786)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
