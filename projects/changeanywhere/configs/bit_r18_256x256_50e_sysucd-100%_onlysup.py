# BIT-R18 trained from scratch on 100 % of the SYSU-CD training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    '../../../configs/_base_/models/bit_r18.py',
    './_base_/sysucd_fewshot_50e.py'
]
