# open-cd's BANDON baseline (configs/general_scd/scd_upernet_r18_512x512_40k_
# bandon.py), with the semantic head sized to BANDON's 3 building classes
# (background, roofs, facades; open-cd inherits SECOND's 6). BANDON's maps
# have no 'unchanged' class, so SeK is not defined: scores are the binary
# change F1 and the semantic mIoU.
_base_ = [
    '../_base_/models/scd_upernet_r18.py', '../_base_/datasets/bandon.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
model = dict(decode_head=dict(semantic_cd_head=dict(num_classes=3)))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.001, betas=(0.9, 0.999), weight_decay=0.05))
val_evaluator = dict(cal_sek=False)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='binary/F1'))
