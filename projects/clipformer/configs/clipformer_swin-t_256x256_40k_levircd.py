# CLIPFormer (Swin-T, ViT-B/16 text) on LEVIR-CD: batch 16, 40k iterations;
# prompts from CLIP ViT-B/16 (tag 56_vit16), as in the released log.
_base_ = [
    './_base_/models/clipformer_swin-t.py',
    '../../../configs/_base_/datasets/levir_cd_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/clipformer_schedule.py'
]
train_dataloader = dict(batch_size=16)
