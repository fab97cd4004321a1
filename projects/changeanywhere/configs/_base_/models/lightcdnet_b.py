# LightCDNet-B as in ChangeAnywhere's few-shot configs (github.com/tangkai-RS/
# ChangeAnywhere, configs/*/lightcdnet_b_256x256_50e_*.py).
_base_ = ['../../../../../configs/_base_/models/lightcdnet.py']
# The 'base' network with OHEM, as the official lightcdnet_b_* configs.
model = dict(
    backbone=dict(net_type='base'),
    neck=dict(in_channels=[24, 116, 232, 464]),
    decode_head=dict(
        sampler=dict(type='mmseg.OHEMPixelSampler', thresh=0.7,
                     min_kept=100000)))
