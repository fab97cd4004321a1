# CGNet on WHU-CD: the dataset's standard pipeline, 40k iterations and the
# recipe of cgnet_256x256_40k_levircd.py (its optimizer and sliding-window
# test).
_base_ = [
    '../_base_/models/cgnet.py',
    '../_base_/datasets/whu_cd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
model = dict(
    test_cfg=dict(mode='slide', crop_size=(256, 256), stride=(128, 128)))
optimizer = dict(
    type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.0025)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
