# SegChange-R1 (Swin-B, CLIP text tower) on LEVIR-CD, the paper's schedule.
# Needs checkpoints/swin_base_patch4_window7_224.pth and
# checkpoints/ViT-B-16.pt (see projects/segchange_r1/README.md).
_base_ = [
    './_base_/models/segchange_r1_swin-b.py',
    './_base_/datasets/levir_cd_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/schedule_64e.py'
]
# Epoch-based schedule: log by epoch too.
log_processor = dict(by_epoch=True)
