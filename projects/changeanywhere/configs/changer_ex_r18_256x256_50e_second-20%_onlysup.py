# ChangerEx-R18 trained from scratch on 20 % of the SECOND (binary) training
# labels (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/changer_ex_r18.py',
    './_base_/second_fewshot_50e.py'
]
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.fewshot_train_pipeline}},
                 ann_file='dataset_list/second-train-20%.txt'))
