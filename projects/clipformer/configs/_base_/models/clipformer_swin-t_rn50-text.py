# CLIPFormer with CLIP RN50's text encoder (1024-d joint space) instead of
# ViT-B/16's.
_base_ = ['./clipformer_swin-t.py']
clip_checkpoint = 'checkpoints/clip/RN50.pt'
model = dict(
    backbone=dict(output_dim=1024),
    text_encoder=dict(embed_dim=1024, clip_checkpoint=clip_checkpoint),
    context_decoder=dict(visual_dim=1024),
    decode_head=dict(text_dim=1024))
