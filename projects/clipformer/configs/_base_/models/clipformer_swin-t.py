# CLIPFormer: ChangeCLIP with a Swin-T image encoder, CLIP ViT-B/16 text
# encoder, difference pyramid and cross-shaped window decoder (as in the
# configs printed in the released logs, where the model type is ChangeCLIP).
custom_imports = dict(
    imports=['projects.changeclip.changeclip',
             'projects.clipformer.clipformer'],
    allow_failed_imports=False)
# OpenAI's ViT-B-16.pt for the text encoder, mmseg's ImageNet Swin-T for
# the image encoder; nothing is downloaded.
clip_checkpoint = 'checkpoints/clip/ViT-B-16.pt'
swin_checkpoint = \
    'checkpoints/swin/swin_tiny_patch4_window7_224_20220317-1cdeb081.pth'
# Stage 1 (coarsest): stripes 1 pixel thick, 2 heads; then 4 pixels, 8 heads.
first_stage = [
    dict(type='CrossShapedWindowBlock', num_heads=2, split_size=1,
         mlp_ratio=4, drop_path_rate=0.1)
]
later_stage = [
    dict(type='CrossShapedWindowBlock', num_heads=8, split_size=4,
         mlp_ratio=4, drop_path_rate=0.1)
]
model = dict(
    type='ChangeCLIP',
    data_preprocessor=dict(
        type='DualInputSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=(256, 256),
        pad_val=0,
        seg_pad_val=255),
    backbone=dict(
        type='CLIPSwinWithAttention',
        pretrain_img_size=224,
        embed_dims=96,
        patch_size=4,
        window_size=7,
        mlp_ratio=4,
        depths=[2, 2, 6, 2],
        num_heads=[3, 6, 12, 24],
        strides=(4, 2, 2, 2),
        out_indices=(0, 1, 2, 3),
        qkv_bias=True,
        drop_rate=0.,
        attn_drop_rate=0.,
        drop_path_rate=0.3,
        use_abs_pos_embed=False,
        patch_norm=True,
        output_dim=512,
        swin_checkpoint=swin_checkpoint),
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
    neck=dict(
        type='FPN',
        in_channels=[192, 384, 768, 1540],
        out_channels=256,
        num_outs=4),
    minus_channels=[96, 192, 384, 770],
    score_concat_index=3,
    fusion_channels=256,
    change_cue=dict(
        type='DifferencePyramid', in_channels=[96, 192, 384, 770],
        channels=256),
    prompt_templates=dict(
        background='remote sensing image background objects',
        foreground='remote sensing image foreground objects'),
    mode='fixed',
    # Inputs: the stride-2 pyramid map, then strides 4, 8, 16, 32.
    decode_head=dict(
        type='SwinTextDecode',
        in_channels=[256, 256, 256, 256, 256],
        in_index=[0, 1, 2, 3, 4],
        channels=256,
        text_dim=512,
        stage_blocks=[first_stage, later_stage, later_stage, later_stage],
        dropout_ratio=0.1,
        num_classes=2,
        align_corners=False,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=False,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
