# FC-Siam-diff trained from scratch on all SECOND (binary) training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/fc_siam_diff.py',
    './_base_/second_fewshot_50e.py'
]
