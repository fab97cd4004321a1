# ChangerEx-R18 on S2Looking, as open-cd's
# configs/changer/changer_ex_r18_512x512_80k_s2looking.py (which keeps the
# standard AdamW, lr 1e-3, not the LEVIR-CD config's 5e-3).
_base_ = [
    '../_base_/models/changer_ex_r18.py', '../_base_/datasets/s2looking.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
crop_size = (512, 512)
train_pipeline = _base_.changer_ex_train_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
