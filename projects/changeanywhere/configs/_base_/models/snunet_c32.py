# SNUNet-c32 as in ChangeAnywhere's few-shot configs (github.com/tangkai-RS/
# ChangeAnywhere, configs/*/snunet_c32_256x256_50e_*.py).
_base_ = ['../../../../../configs/_base_/models/snunet_c16.py']
# 32 base channels, as the official snunet_c32_* configs.
base_channels = 32
model = dict(
    backbone=dict(base_channel=base_channels),
    decode_head=dict(in_channels=base_channels * 4,
                     channels=base_channels * 4))
