# TinyCD v2-B on LEVIR-CD, as open-cd's
# configs/tinycd_v2/tinycd_v2_b_256x256_40k_levircd.py. That file also
# defines a RotFlip/ExchangeTime train pipeline but passes it through the
# mmseg 0.x key `data`, which mmengine ignores: open-cd trains with the
# standard pipeline, and so does this config.
_base_ = [
    '../_base_/models/tinycd_v2.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
optimizer = dict(type='AdamW', lr=0.003, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
