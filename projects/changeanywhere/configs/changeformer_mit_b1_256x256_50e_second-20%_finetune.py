# ChangeFormer-MiT-b1 fine-tuned on 20 % of the SECOND (binary) training labels
# from synthetic-pair pre-training (ChangeAnywhere protocol, step 2).
_base_ = [
    './_base_/models/changeformer_mit_b1.py',
    './_base_/second_fewshot_50e.py'
]
# The released ChangeAnywhere-100K checkpoint of this model, or the best
# checkpoint of changeformer_mit_b1_256x256_regionswap_pretrain.py.
load_from = 'checkpoints/changeanywhere/changeformer_mit_b1_pretrain.pth'
train_dataloader = dict(
    dataset=dict(ann_file='dataset_list/second-train-20%.txt'))
optim_wrapper = {{_base_.changeformer_optim_wrapper}}
