# ChangeCLIP with CLIP RN50 (official configs/0cd_ce/changeclip_*.py).
custom_imports = dict(
    imports=['projects.changeclip.changeclip'], allow_failed_imports=False)
# OpenAI's RN50.pt (or an open_clip RN50 state dict); nothing is downloaded.
clip_checkpoint = 'checkpoints/clip/RN50.pt'
data_preprocessor = dict(
    type='DualInputSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    # The official GDAL loader reads RGB; our loader reads BGR.
    bgr_to_rgb=True,
    size=(256, 256),
    pad_val=0,
    seg_pad_val=255)
# Two Swin blocks (the second shifted) per decoder stage, as the official
# SwinTextDecode builds them (stochastic depth 0 then 0.2).
decoder_blocks = [
    dict(type='SwinBlock', num_heads=2, feedforward_channels=512,
         window_size=7, shift=False, drop_path_rate=0.0),
    dict(type='SwinBlock', num_heads=2, feedforward_channels=512,
         window_size=7, shift=True, drop_path_rate=0.2)
]
model = dict(
    type='TextConditionedChangeDetector',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='CLIPResNetWithAttention',
        layers=[3, 4, 6, 3],
        width=64,
        output_dim=1024,
        input_resolution=512,
        clip_checkpoint=clip_checkpoint),
    text_encoder=dict(
        type='CLIPTextContextEncoder',
        context_length=77,
        token_length=64,
        transformer_width=512,
        transformer_heads=8,
        transformer_layers=12,
        embed_dim=1024,
        clip_checkpoint=clip_checkpoint),
    context_decoder=dict(
        type='ContextDecoder',
        transformer_width=256,
        transformer_heads=4,
        transformer_layers=3,
        visual_dim=1024,
        dropout=0.1),
    # Both dates concatenated; the 2 score maps of each date join stage 4.
    neck=dict(
        type='FPN',
        in_channels=[512, 1024, 2048, 4100],
        out_channels=256,
        num_outs=4),
    minus_channels=[256, 512, 1024, 2050],
    score_concat_index=3,
    fusion_channels=256,
    change_cue=dict(type='CosineChangeGate'),
    prompt_templates=dict(
        background='remote sensing image background objects',
        foreground='remote sensing image foreground objects'),
    # 'official' prompts date B with date A's classes at evaluation.
    mode='fixed',
    decode_head=dict(
        type='TextConditionedDecodeHead',
        in_channels=[256, 256, 256, 256],
        in_index=[0, 1, 2, 3],
        channels=256,
        text_dim=1024,
        stage_blocks=[decoder_blocks] * 3,
        dropout_ratio=0.1,
        num_classes=2,
        align_corners=False,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=False,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
