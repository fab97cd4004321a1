# LightCDNet-S on SYSU-CD: the dataset's standard pipeline, 40k iterations
# and the recipe of lightcdnet_s_256x256_40k_levircd.py (OHEM sampling and
# its optimizer).
_base_ = [
    '../_base_/models/lightcdnet.py',
    '../_base_/datasets/sysu_cd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
model = dict(
    decode_head=dict(
        sampler=dict(type='mmseg.OHEMPixelSampler', thresh=0.7,
                     min_kept=100000)))
optimizer = dict(
    type='AdamW', lr=0.003, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
