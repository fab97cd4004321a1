_base_ = [
    '../_base_/models/hanet.py',
    '../common/standard_256x256_40k_levircd.py']