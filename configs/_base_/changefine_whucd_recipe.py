# ChangeFine's official WHU-CD recipe (config/changefine_whucd.json of
# whudk/ChangeFine, spec section 4): the 27 land-cover prompts, dropout 0.2,
# LR 2e-5, weight decay 0.01, batch 12, 100 epochs of 256x256 tiles, the
# first 20 a linear warm-up. WHU-CD's config and those of the datasets the
# official code has no config for (CLCD, JL1-CD, RSIPAC-CD) start from it.
# Each adds its dataset base and the default runtime, sets
#   train_pipeline = {{_base_.whucd_train_pipeline}}
#   train_dataloader = dict(batch_size=12, dataset=dict(pipeline=...))
# (dataset bases own the dataloaders) and its epochs -> iterations:
# warmup_iters, max_iters, param_scheduler, val and checkpoint intervals.
_base_ = ['./models/changefine.py', './schedules/schedule_changefine.py']
model = dict(
    # proj_drop / attn_drop 0.2: embed_img_t, the CPFMs/neck and the text
    # embedding; the fusion decoders keep their fixed 0.1 (backbone.drop).
    backbone=dict(
        class_names={{_base_.landcover_class_names}}, embed_drop=0.2),
    neck=dict(drop=0.2, attn_drop=0.2),
    decode_head=dict(
        text_drop_path=0.2,
        loss_decode=dict(contrast=dict(max_views=100))))
# Official order: horizontal flip, (random resize + resize back to 256 and
# stretch: not reproduced), brightness +-10, rotation +-10 deg on an
# enlarged canvas, 256x256 crop, saturation; photometric draws per date.
# No date swap (`train.exchange` 0).
whucd_train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=10, auto_bound=True),
    dict(type='MultiImgRandomCrop', crop_size=(256, 256)),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(1.0, 1.0),
        saturation_range=(0.5, 1.5),
        hue_delta=0),
    dict(type='MultiImgPackSegInputs')
]
optim_wrapper = dict(optimizer=dict(lr=2e-5, weight_decay=0.01))
