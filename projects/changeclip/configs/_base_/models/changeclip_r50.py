# ChangeCLIP with CLIP RN50 (official configs/0cd_ce/changeclip_*.py): the
# package's text-conditioned detector with CLIP's densely pooled RN50, the
# cosine change gate and Swin decoder blocks.
_base_ = ['../../../../../configs/_base_/models/clip_text_cd.py']
custom_imports = dict(
    imports=['projects.changeclip.changeclip'], allow_failed_imports=False)
# OpenAI's RN50.pt (or an open_clip RN50 state dict); nothing is downloaded.
clip_checkpoint = 'checkpoints/clip/RN50.pt'
# Two Swin blocks (the second shifted) per decoder stage, as the official
# SwinTextDecode builds them (stochastic depth 0 then 0.2).
decoder_blocks = [
    dict(type='SwinBlock', num_heads=2, feedforward_channels=512,
         window_size=7, shift=False, drop_path_rate=0.0),
    dict(type='SwinBlock', num_heads=2, feedforward_channels=512,
         window_size=7, shift=True, drop_path_rate=0.2)
]
model = dict(
    backbone=dict(
        type='CLIPResNetWithAttention',
        layers=[3, 4, 6, 3],
        width=64,
        output_dim=1024,
        input_resolution=512,
        clip_checkpoint=clip_checkpoint),
    # RN50's joint space is 1024-d.
    text_encoder=dict(embed_dim=1024, clip_checkpoint=clip_checkpoint),
    context_decoder=dict(visual_dim=1024),
    # Both dates concatenated; the 2 score maps of each date join stage 4.
    neck=dict(in_channels=[512, 1024, 2048, 4100]),
    minus_channels=[256, 512, 1024, 2050],
    score_concat_index=3,
    change_cue=dict(type='CosineChangeGate'),
    decode_head=dict(
        in_channels=[256, 256, 256, 256],
        in_index=[0, 1, 2, 3],
        text_dim=1024,
        stage_blocks=[decoder_blocks] * 3))
