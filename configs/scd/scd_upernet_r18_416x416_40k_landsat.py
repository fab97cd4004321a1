# open-cd's Landsat-SCD baseline (configs/general_scd/scd_upernet_r18_416x416_
# 40k_landsat.py), with the semantic head sized to Landsat-SCD's 4 land-cover
# classes (open-cd inherits SECOND's 6) and class 0 = unchanged for SeK.
_base_ = [
    '../_base_/models/scd_upernet_r18.py',
    '../_base_/datasets/landsat_scd.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
model = dict(
    postprocess_pred_and_label='cover_semantic',
    decode_head=dict(semantic_cd_head=dict(num_classes=4)))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.001, betas=(0.9, 0.999), weight_decay=0.05))
default_hooks = dict(checkpoint=dict(save_best='semantic/Score'))
