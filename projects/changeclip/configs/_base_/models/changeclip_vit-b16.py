# ChangeCLIP with CLIP ViT-B/16 (official configs/0cd_ce/changeclip_*_vit.py).
_base_ = ['./changeclip_r50.py']
clip_checkpoint = 'checkpoints/clip/ViT-B-16.pt'
model = dict(
    backbone=dict(
        _delete_=True,
        type='CLIPVisionTransformer',
        input_resolution=256,
        patch_size=16,
        width=768,
        layers=12,
        heads=12,
        output_dim=512,
        drop_path_rate=0.1,
        out_indices=[3, 5, 7, 11],
        clip_checkpoint=clip_checkpoint),
    text_encoder=dict(embed_dim=512, clip_checkpoint=clip_checkpoint),
    context_decoder=dict(visual_dim=512),
    # Stride-16 level (index 2) carries the score maps.
    neck=dict(in_channels=[1536, 1536, 1540, 1536]),
    minus_channels=[768, 768, 770, 768],
    score_concat_index=2,
    decode_head=dict(text_dim=512))
