# FC-Siam-diff trained from scratch on 100 % of the SYSU-CD training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    '../../../configs/_base_/models/fc_siam_diff.py',
    './_base_/sysucd_fewshot_50e.py'
]
