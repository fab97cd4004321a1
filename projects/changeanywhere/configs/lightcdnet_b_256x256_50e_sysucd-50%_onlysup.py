# LightCDNet-B trained from scratch on 50 % of the SYSU-CD training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/lightcdnet_b.py',
    './_base_/sysucd_fewshot_50e.py'
]
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/sysucd-train-50%.txt'))
