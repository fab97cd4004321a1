# SegChange-R1 (Swin-B, CLIP text tower) on WHU-CD 512x512 tiles.
_base_ = [
    './_base_/models/segchange_r1_swin-b.py',
    './_base_/datasets/whu_cd_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/schedule_64e.py'
]
# Epoch-based schedule: log by epoch too.
log_processor = dict(by_epoch=True)
