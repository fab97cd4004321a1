# SNUNet-c32 trained from scratch on 5 % of the SECOND (binary) training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/snunet_c32.py',
    './_base_/second_fewshot_50e.py'
]
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/second-train-5%.txt'))
