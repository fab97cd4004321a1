# BIT-R18 pre-trained on synthetic pairs (ChangeAnywhere protocol, step 1).
_base_ = [
    '../../../configs/_base_/models/bit_r18.py',
    './_base_/ca100k_pretrain.py'
]
