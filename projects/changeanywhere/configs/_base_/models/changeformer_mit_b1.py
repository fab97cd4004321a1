# ChangeFormer-MiT-b1 as in ChangeAnywhere's few-shot configs (github.com/
# tangkai-RS/ChangeAnywhere, configs/changeformer/changeformer_mit-b1_
# 256x256_50e_*.py, on its changeformer_mit-b0 base): both dates through
# one SegFormer encoder (mmseg's MixVisionTransformer at B1 widths), the
# two feature pyramids concatenated per level and decoded by mmseg's
# SegformerHead. No ImageNet weights are loaded.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='DualInputSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53] * 2,
    std=[58.395, 57.12, 57.375] * 2,
    bgr_to_rgb=True,
    size_divisor=32,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=32))
stage_channels = [64, 128, 320, 512]
model = dict(
    type='SiamEncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='mmseg.MixVisionTransformer',
        in_channels=3,
        embed_dims=stage_channels[0],
        num_stages=4,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1),
    neck=dict(type='FeatureFusionNeck', policy='concat'),
    decode_head=dict(
        type='mmseg.SegformerHead',
        in_channels=[2 * c for c in stage_channels],
        in_index=[0, 1, 2, 3],
        channels=256,
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=False,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# ChangeFormer's own optimiser in the official few-shot configs; each of
# them sets optim_wrapper = {{_base_.changeformer_optim_wrapper}} to replace
# the protocol's plain AdamW (a base may not repeat another base's key):
# AdamW 1e-4, weight decay 0.01 but none on positional blocks and norms,
# 10x the rate on the head.
changeformer_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            'pos_block': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'head': dict(lr_mult=10.)
        }))
