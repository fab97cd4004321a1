# BIT-R18 as in ChangeAnywhere's few-shot configs (github.com/tangkai-RS/
# ChangeAnywhere, configs/*/bit_r18_256x256_50e_*.py).
_base_ = ['../../../../../configs/_base_/models/bit_r18.py']
# No ImageNet download: the official few-shot configs load the pre-training
# checkpoint (finetune); for the official 'onlysup' ImageNet start put a
# local ResNet-18 v1c file here.
model = dict(pretrained=None)
