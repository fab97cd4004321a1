# BAN (CLIP ViT-B/16, ResNet-18 side encoder, BIT decoder) on S2Looking,
# as open-cd's configs/ban/ban_vit-b16-clip_bit_512x512_80k_s2looking.py.
# open-cd's side encoder starts from open-mmlab://resnet18_v1c (a
# download); set model.decode_head.ban_cfg.side_enc_cfg.init_cfg to
# dict(type='Pretrained', checkpoint='open-mmlab://resnet18_v1c') to do
# the same.
_base_ = ['./ban_vit-b16-clip_mit-b0_512x512_80k_s2looking.py']
model = dict(
    decode_head=dict(
        ban_cfg=dict(
            fusion_index=[0, 1, 2],
            side_enc_cfg=dict(
                _delete_=True,
                type='mmseg.ResNetV1c',
                init_cfg=None,
                in_channels=3,
                depth=18,
                num_stages=3,
                out_indices=(2, ),
                dilations=(1, 1, 1),
                strides=(1, 2, 1),
                norm_cfg=dict(type='SyncBN', requires_grad=True),
                norm_eval=False,
                style='pytorch',
                contract_dilation=True)),
        ban_dec_cfg=dict(
            _delete_=True,
            type='BAN_BITHead',
            in_channels=256,
            channels=32,
            num_classes=2)))
