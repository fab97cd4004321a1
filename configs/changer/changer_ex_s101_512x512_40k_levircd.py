# ChangerEx-S101 (interaction ResNeSt-101) on LEVIR-CD, as open-cd's
# configs/changer/changer_ex_s101_512x512_40k_levircd.py.
_base_ = './changer_ex_s50_512x512_40k_levircd.py'
model = dict(backbone=dict(depth=101, stem_channels=128))
