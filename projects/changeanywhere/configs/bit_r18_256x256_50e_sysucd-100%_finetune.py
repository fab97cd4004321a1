# BIT-R18 fine-tuned on all SYSU-CD training labels from synthetic-pair
# pre-training (ChangeAnywhere protocol, step 2).
_base_ = [
    './_base_/models/bit_r18.py',
    './_base_/sysucd_fewshot_50e.py'
]
# The released ChangeAnywhere-100K checkpoint of this model, or the best
# checkpoint of bit_r18_256x256_regionswap_pretrain.py.
load_from = 'checkpoints/changeanywhere/bit_r18_pretrain.pth'
