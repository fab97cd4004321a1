# CLIPFormer (Swin-T, ViT-B/16 text) on LEVIR-CD+: batch 16, 40k iterations;
# prompts from CLIP RN50 (tag 56_rn50), as in the released log.
_base_ = [
    './_base_/models/clipformer_swin-t.py',
    '../../../configs/_base_/datasets/levir_cd_plus_clip_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/clipformer_schedule.py'
]
json_tag = '56_rn50'
train_dataloader = dict(batch_size=16, dataset=dict(json_tag=json_tag))
val_dataloader = dict(dataset=dict(json_tag=json_tag))
test_dataloader = dict(dataset=dict(json_tag=json_tag))
