# FC-Siam-diff pre-trained on synthetic pairs (ChangeAnywhere protocol,
# step 1).
_base_ = [
    '../../../configs/_base_/models/fc_siam_diff.py',
    './_base_/ca100k_pretrain.py'
]
