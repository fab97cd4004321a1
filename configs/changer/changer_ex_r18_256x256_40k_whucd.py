# ChangerEx-R18 on WHU-CD with the LEVIR-CD recipe; its 512x512 crop takes
# the whole 256x256 tile.
_base_ = [
    '../_base_/models/changer_ex_r18.py', '../_base_/datasets/whu_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
crop_size = (256, 256)
train_pipeline = _base_.changer_ex_train_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optimizer = dict(type='AdamW', lr=0.005, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
