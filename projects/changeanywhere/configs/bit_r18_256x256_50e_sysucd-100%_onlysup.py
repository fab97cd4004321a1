# BIT-R18 trained from scratch on all SYSU-CD training labels (ChangeAnywhere's
# 'onlysup' baseline).
_base_ = [
    './_base_/models/bit_r18.py',
    './_base_/sysucd_fewshot_50e.py'
]
