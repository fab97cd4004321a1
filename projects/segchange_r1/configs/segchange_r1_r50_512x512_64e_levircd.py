# SegChange-R1 with the official ResNet-50 option (stages 1-4 of timm's
# resnet50, i.e. torchvision's layer1..layer4) on LEVIR-CD.
_base_ = ['./segchange_r1_swin-b_512x512_64e_levircd.py']
model = dict(
    backbone=dict(
        model_name='resnet50',
        out_indices=(1, 2, 3, 4),
        checkpoint='checkpoints/resnet50.pth',
        timm_kwargs=dict(_delete_=True)))
