# FC-EF pre-trained on synthetic change pairs (ChangeAnywhere protocol, step
# 1): region-replacement pairs by default, or ChangeAnywhere-100K (see
# _base_/regionswap_pretrain.py).
_base_ = [
    './_base_/models/fc_ef.py',
    './_base_/regionswap_pretrain.py'
]
