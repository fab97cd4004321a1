# CLIP-text-conditioned change detection: the detector of ChangeCLIP
# (official configs/0cd_ce/changeclip_*.py), which CLIPFormer reuses. Each
# date is prompted with "remote sensing image background objects" and
# "remote sensing image foreground objects, <its top-k CLIP classes>"; the
# prompts go through CLIP's text tower (ViT-B/16's here, 512-d joint space)
# with learnable context and are refined by the image's visual context.
# A method config adds its modules (custom_imports), the image encoder
# (backbone: 4 levels plus the (global, dense) embedding pair), the neck's
# in_channels, minus_channels, score_concat_index, the change cue, and the
# decoder's inputs and attention blocks.
# OpenAI's ViT-B-16.pt (or an open_clip state dict); nothing is downloaded.
clip_checkpoint = 'checkpoints/clip/ViT-B-16.pt'
data_preprocessor = dict(
    type='DualInputSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    # The official GDAL loader reads RGB; our loader reads BGR.
    bgr_to_rgb=True,
    size=(256, 256),
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='TextConditionedChangeDetector',
    data_preprocessor=data_preprocessor,
    text_encoder=dict(
        type='CLIPTextContextEncoder',
        context_length=77,
        token_length=64,
        transformer_width=512,
        transformer_heads=8,
        transformer_layers=12,
        embed_dim=512,
        clip_checkpoint=clip_checkpoint),
    context_decoder=dict(
        type='ContextDecoder',
        transformer_width=256,
        transformer_heads=4,
        transformer_layers=3,
        visual_dim=512,
        dropout=0.1),
    # Fuses both dates' levels, concatenated (in_channels: the method's).
    neck=dict(type='FPN', out_channels=256, num_outs=4),
    fusion_channels=256,
    prompt_templates=dict(
        background='remote sensing image background objects',
        foreground='remote sensing image foreground objects'),
    # 'official' prompts date B with date A's classes at evaluation.
    mode='fixed',
    decode_head=dict(
        type='TextConditionedDecodeHead',
        channels=256,
        text_dim=512,
        dropout_ratio=0.1,
        num_classes=2,
        align_corners=False,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=False,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
