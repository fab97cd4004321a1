# FC-Siam-diff fine-tuned on 1 % of the SYSU-CD training labels from
# the synthetic-pair pre-training (ChangeAnywhere protocol, step 2).
# Put the best pre-training checkpoint (or ChangeAnywhere's released
# one) at load_from.
_base_ = [
    '../../../configs/_base_/models/fc_siam_diff.py',
    './_base_/sysucd_fewshot_50e.py'
]
load_from = 'checkpoints/changeanywhere/fc_siam_diff_256x256_ca100k.pth'
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/sysucd-train-1%.txt'))
