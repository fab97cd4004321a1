# ChangeFine for semantic change detection on SECOND (docs/scd.md): the
# CLIP text prompts are SECOND's land-cover class names, each date's
# land-cover map is classified by their text embeddings, and the change
# branch is ChangeFine's (CPFM neck, prompt change decoder, focal/Dice +
# hard-sample contrast loss). Frozen SAM ViT-B and CLIP ViT-B/16 weights as
# in configs/changefine/ (checkpoints/, not downloaded).
#
# Hyper-parameters are ChangeFine's (optimiser, schedule shape) and open-cd's
# SECOND data settings; they are not tuned, and no SECOND score has been
# measured with this config.
_base_ = [
    '../_base_/models/changefine.py', '../_base_/datasets/second.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_changefine.py'
]
# SECONDDataset.METAINFO['semantic_classes'] without 'unchanged', which
# reduce_semantic_zero_label turns into the ignored 255: the semantic maps
# index these six classes, and they are the CLIP prompts.
# tests/models/test_changefine_scd.py checks that they match the dataset.
class_names = [
    'water', 'ground', 'low vegetation', 'tree', 'building', 'sports field'
]
crop_size = (256, 384)
model = dict(
    type='ChangeFineSCD',
    # SECOND's convention for SeK: class 0 = unchanged in the maps.
    postprocess_pred_and_label='cover_semantic',
    # CLIP's mean/std (x255, RGB order), as the official LEVIR-CD runs.
    data_preprocessor=dict(
        mean=[122.7709, 116.7460, 104.0937] * 2,
        std=[68.5005, 66.6322, 70.3232] * 2,
        size=crop_size),
    backbone=dict(class_names=class_names),
    decode_head=dict(
        _delete_=True,
        type='ChangeFineSCDHead',
        binary_cd_head={{_base_.model.decode_head}},
        semantic_cd_head=dict(
            type='ClassTextSemanticHead',
            in_channels=768,
            channels=256,
            text_dim=512,
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False,
                loss_weight=1.0, avg_non_ignore=True))),
    # SECOND's 512x512 pairs in the 256x256 windows of training.
    test_cfg=dict(mode='slide', crop_size=(256, 256), stride=(256, 256)))
train_dataloader = dict(batch_size=8)
optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=0.05))
max_iters = 20000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=500),
    dict(type='CosineAnnealingLR', eta_min=1e-8, by_epoch=False, begin=500,
         end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=1000)
default_hooks = dict(
    checkpoint=dict(interval=1000, save_best='semantic/Score'))
