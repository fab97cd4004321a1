# SegChange-R1 as in the official configs/config.yaml: Swin-B backbone,
# BEV linear attention, CBAM difference module, L-FPN with EGA, 256-channel
# scales, a one-channel mask thresholded at 0.5 and the four losses with the
# official weights (ce 1.0, dice 1.5, focal 1.5 with alpha 0.6 / gamma 2.0,
# bcl 0.3). The prompt encoder is CLIP's ViT-B/16 text tower (the official
# default is bert-base-uncased: see segchange_r1_swin-b_bert_*.py).
custom_imports = dict(
    imports=['projects.segchange_r1.segchange_r1'], allow_failed_imports=False)
channels = 256
scale_channels = (channels, ) * 4
text_channels = 512  # CLIP ViT-B/16 joint embedding width
model = dict(
    type='SegChangeR1',
    data_preprocessor=dict(
        type='DualInputSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53] * 2,
        std=[58.395, 57.12, 57.375] * 2,
        bgr_to_rgb=True,
        size_divisor=32,
        pad_val=0,
        seg_pad_val=255),
    backbone=dict(
        type='DualInputVisualEncoder',
        model_name='swin_base_patch4_window7_224',
        out_indices=(0, 1, 2, 3),
        out_channels=scale_channels,
        # timm format (.pth/.safetensors) or the original Swin release.
        checkpoint='checkpoints/swin_base_patch4_window7_224.pth',
        timm_kwargs=dict(img_size=512, strict_img_size=False),
        bev=dict(type='BEVLinearAttention', num_heads=8, head_channels=64,
                 mode='official')),
    difference_module=dict(
        type='FeatureDiffModule',
        in_channels=scale_channels,
        attention='CBAM',
        ratio=16,
        cbam_mode='official'),
    neck=dict(
        type='LightweightFPN',
        in_channels=scale_channels,
        channels=channels,
        feature_strides=(4, 8, 16, 32),
        use_ega=True,
        norm_cfg=dict(type='GN', num_groups=32)),
    decode_head=dict(
        type='TextConditionedMaskHead',
        in_channels=channels,
        channels=channels // 4,
        text_channels=text_channels,
        num_queries=5,
        num_heads=8,
        num_decoder_layers=2,
        feedforward_channels=2048,
        projector_mode='masked',
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        dropout_ratio=0.0,
        norm_cfg=dict(type='GN', num_groups=32),
        align_corners=False,
        loss_decode=[
            dict(type='mmseg.CrossEntropyLoss', use_sigmoid=True,
                 avg_non_ignore=True, loss_weight=1.0, loss_name='loss_ce'),
            dict(type='BinaryDiceLoss', smooth=1.0, loss_weight=1.5),
            dict(type='BinaryFocalLoss', alpha=0.6, gamma=2.0,
                 mode='balanced', loss_weight=1.5),
            dict(type='BatchBalancedContrastiveLoss', margin=2.0,
                 loss_weight=0.3),
        ]),
    text_encoder=dict(
        type='CLIPTextEncoder',
        checkpoint='checkpoints/ViT-B-16.pt',
        output='pooled',
        frozen=True),
    default_prompt='Buildings with changes.',
    prompt_key='prompt',
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(512, 512)))
