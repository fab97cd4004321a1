# ChangerEx-MiT-B1 on LEVIR-CD, as open-cd's
# configs/changer/changer_ex_mit-b1_512x512_40k_levircd.py. open-cd loads
# mmseg's MiT-B1 ImageNet weights from a URL; set model.pretrained to a
# local copy (mit_b1_20220624-02e5a6a1.pth) to train from them.
_base_ = ['./changer_ex_mit-b0_512x512_40k_levircd.py']
model = dict(
    backbone=dict(
        embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[2, 2, 2, 2]),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
