# SNUNet-c32 trained from scratch on all SECOND (binary) training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/snunet_c32.py',
    './_base_/second_fewshot_50e.py'
]
