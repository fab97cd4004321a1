# ChangerEx-S101 (interaction ResNeSt-101) on S2Looking, as open-cd's
# configs/changer/changer_ex_s101_512x512_80k_s2looking.py.
_base_ = './changer_ex_s50_512x512_80k_s2looking.py'
model = dict(backbone=dict(depth=101, stem_channels=128))
