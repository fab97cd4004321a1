# CLIPFormer: the package's text-conditioned detector (ViT-B/16 text side)
# with a Swin-T image encoder, the difference pyramid and cross-shaped window
# decoder blocks (the configs printed in the released logs name the detector
# ChangeCLIP: it is ChangeCLIP's).
_base_ = ['../../../../../configs/_base_/models/clip_text_cd.py']
custom_imports = dict(
    imports=['projects.clipformer.clipformer'], allow_failed_imports=False)
# mmseg's ImageNet Swin-T; nothing is downloaded.
swin_checkpoint = \
    'checkpoints/swin/swin_tiny_patch4_window7_224_20220317-1cdeb081.pth'
# Coarsest stage: stripes 1 pixel thick, 2 heads; then 4 pixels, 8 heads.
first_stage = [
    dict(type='CrossShapedWindowBlock', num_heads=2, split_size=1,
         mlp_ratio=4, drop_path_rate=0.1)
]
later_stage = [
    dict(type='CrossShapedWindowBlock', num_heads=8, split_size=4,
         mlp_ratio=4, drop_path_rate=0.1)
]
model = dict(
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
        drop_path_rate=0.3,
        output_dim=512,
        swin_checkpoint=swin_checkpoint),
    # Both dates concatenated; the 2 score maps of each date join stage 4.
    neck=dict(in_channels=[192, 384, 768, 1540]),
    minus_channels=[96, 192, 384, 770],
    score_concat_index=3,
    change_cue=dict(
        type='DifferencePyramid',
        in_channels=[96, 192, 384, 770],
        channels=256),
    # Inputs: the stride-2 pyramid map, then strides 4, 8, 16, 32.
    decode_head=dict(
        in_channels=[256, 256, 256, 256, 256],
        in_index=[0, 1, 2, 3, 4],
        stage_blocks=[first_stage, later_stage, later_stage, later_stage]))
