# TinyCD v2-B on S2Looking: the dataset's standard pipeline, 80k iterations
# and the recipe of tinycd_v2_b_256x256_40k_levircd.py (its optimizer).
_base_ = [
    '../_base_/models/tinycd_v2.py',
    '../_base_/datasets/s2looking.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_80k.py'
]
optimizer = dict(
    type='AdamW', lr=0.003, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
