# ChangeFormer-MiT-b1 trained from scratch on all SYSU-CD training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/changeformer_mit_b1.py',
    './_base_/sysucd_fewshot_50e.py'
]
optim_wrapper = {{_base_.changeformer_optim_wrapper}}
