# LightCDNet-B fine-tuned on 50 % of the SYSU-CD training labels from
# synthetic-pair pre-training (ChangeAnywhere protocol, step 2).
_base_ = [
    './_base_/models/lightcdnet_b.py',
    './_base_/sysucd_fewshot_50e.py'
]
# The released ChangeAnywhere-100K checkpoint of this model, or the best
# checkpoint of lightcdnet_b_256x256_regionswap_pretrain.py.
load_from = 'checkpoints/changeanywhere/lightcdnet_b_pretrain.pth'
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/sysucd-train-50%.txt'))
