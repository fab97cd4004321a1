# FC-Siam-diff fine-tuned on all SECOND (binary) training labels from
# synthetic-pair pre-training (ChangeAnywhere protocol, step 2).
_base_ = [
    './_base_/models/fc_siam_diff.py',
    './_base_/second_fewshot_50e.py'
]
# The released ChangeAnywhere-100K checkpoint of this model, or the best
# checkpoint of fc_siam_diff_256x256_regionswap_pretrain.py.
load_from = 'checkpoints/changeanywhere/fc_siam_diff_pretrain.pth'
