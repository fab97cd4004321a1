# ChangerEx-R18 in the LEVIR-CD comparison (README.md): the model, OHEM
# sampling and learning rate of configs/changer/, but the shared 256x256
# LEVIR-CD pipeline instead of ChangerEx's own 512x512 augmentations.
_base_ = [
    '../_base_/models/changer_ex_r18.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
optimizer = dict(type='AdamW', lr=0.005, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer)
