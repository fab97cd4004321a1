# ChangeFormer-MiT-b1 pre-trained on synthetic change pairs (ChangeAnywhere
# protocol, step 1): region-replacement pairs by default, or
# ChangeAnywhere-100K (see _base_/regionswap_pretrain.py).
_base_ = [
    './_base_/models/changeformer_mit_b1.py',
    './_base_/regionswap_pretrain.py'
]
