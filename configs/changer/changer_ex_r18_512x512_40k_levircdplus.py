# ChangerEx-R18 on LEVIR-CD+ with the LEVIR-CD recipe (1024x1024 tiles).
_base_ = [
    '../_base_/models/changer_ex_r18.py',
    '../_base_/datasets/levir_cd_plus.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
crop_size = (512, 512)
train_pipeline = _base_.changer_ex_train_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optimizer = dict(type='AdamW', lr=0.005, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
