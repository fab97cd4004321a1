# ChangeFine (paper mode) in the LEVIR-CD comparison (README.md): the model
# and optimiser of configs/changefine/changefine_levircd.py (AdamW, LR 1e-5,
# no decay on 1-D parameters, AMP on GPU, CLIP normalisation), but the
# shared LEVIR-CD pipeline, batch and 40k schedule instead of the official
# ChangeFine recipe (batch 24, 150 epochs, cosine to 1e-8).
_base_ = [
    '../_base_/models/changefine.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
model = dict(
    data_preprocessor=dict(
        mean=[122.7709, 116.7460, 104.0937] * 2,
        std=[68.5005, 66.6322, 70.3232] * 2))
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(
        type='AdamW', lr=1e-5, betas=(0.9, 0.999), eps=1e-6,
        weight_decay=0.05, fused=True),
    constructor='TrainableOptimWrapperConstructor',
    paramwise_cfg=dict(flat_decay_mult=0.0))
