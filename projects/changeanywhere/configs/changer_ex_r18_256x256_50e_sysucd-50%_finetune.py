# ChangerEx-R18 fine-tuned on 50 % of the SYSU-CD training labels from
# synthetic-pair pre-training (ChangeAnywhere protocol, step 2).
_base_ = [
    './_base_/models/changer_ex_r18.py',
    './_base_/sysucd_fewshot_50e.py'
]
# The released ChangeAnywhere-100K checkpoint of this model, or the best
# checkpoint of changer_ex_r18_256x256_regionswap_pretrain.py.
load_from = 'checkpoints/changeanywhere/changer_ex_r18_pretrain.pth'
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.fewshot_train_pipeline}},
                 ann_file='dataset_list/sysucd-train-50%.txt'))
