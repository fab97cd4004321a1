# SegChange-R1 as the official code trains it (Swin-B, frozen BERT with
# seq_len 8, official projector, focal loss and conv biases; batch 4, 200
# epochs, StepLR 20) on LEVIR-CD. Needs checkpoints/
# swin_base_patch4_window7_224.pth and a local checkpoints/bert-base-uncased
# folder (see projects/segchange_r1/README.md).
_base_ = [
    './_base_/models/segchange_r1_swin-b_official.py',
    './_base_/datasets/levir_cd_prompts.py',
    '../../../configs/_base_/default_runtime.py',
    './_base_/schedules/schedule_official_200e.py'
]
train_dataloader = dict(batch_size=4)
# Epoch-based schedule: log by epoch too.
log_processor = dict(by_epoch=True)
