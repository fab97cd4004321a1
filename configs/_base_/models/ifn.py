# IFN (Zhang et al., ISPRS J. 2020), as open-cd's configs/_base_/models/ifn.py
# in our scope. open-cd's IFN always loads torchvision's ImageNet VGG-16
# (a download); here backbone.pretrained=None so nothing downloads: set
# True, or the path of a local torchvision vgg16 checkpoint, to train.
data_preprocessor = dict(
    type='DualInputSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53] * 2,
    std=[58.395, 57.12, 57.375] * 2,
    bgr_to_rgb=True,
    size_divisor=32,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=32))
model = dict(
    type='DIEncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(type='IFN', pretrained=None),
    auxiliary_head=dict(
        type='DSIdentityHead',
        in_channels=[1, 1, 1, 1],
        in_index=[0, 1, 2, 3],
        input_transform='multiple_select',
        num_classes=2,
        out_channels=1,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=True,
            loss_weight=1.0)),
    decode_head=dict(
        type='IdentityHead',
        in_channels=1,
        in_index=-1,
        num_classes=2,
        out_channels=1,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=True,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
