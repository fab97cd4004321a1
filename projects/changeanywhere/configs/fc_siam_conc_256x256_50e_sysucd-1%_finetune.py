# FC-Siam-conc fine-tuned on 1 % of the SYSU-CD training labels from
# synthetic-pair pre-training (ChangeAnywhere protocol, step 2).
_base_ = [
    './_base_/models/fc_siam_conc.py',
    './_base_/sysucd_fewshot_50e.py'
]
# The released ChangeAnywhere-100K checkpoint of this model, or the best
# checkpoint of fc_siam_conc_256x256_regionswap_pretrain.py.
load_from = 'checkpoints/changeanywhere/fc_siam_conc_pretrain.pth'
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/sysucd-train-1%.txt'))
