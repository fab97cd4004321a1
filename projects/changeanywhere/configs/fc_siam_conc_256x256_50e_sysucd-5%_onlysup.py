# FC-Siam-conc trained from scratch on 5 % of the SYSU-CD training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/fc_siam_conc.py',
    './_base_/sysucd_fewshot_50e.py'
]
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/sysucd-train-5%.txt'))
