# FC-Siam-diff trained from scratch on 10 % of the SECOND (binary) training
# labels (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/fc_siam_diff.py',
    './_base_/second_fewshot_50e.py'
]
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/second-train-10%.txt'))
