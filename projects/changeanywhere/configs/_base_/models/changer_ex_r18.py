# ChangerEx-R18 as in ChangeAnywhere's few-shot configs (github.com/tangkai-RS/
# ChangeAnywhere, configs/*/changer_ex_r18_256x256_50e_*.py).
_base_ = ['../../../../../configs/_base_/models/changer_ex_r18.py']
# The official few-shot configs (configs/changer/changer_ex_r18_*) train on
# 256x256 crops with ChangerEx's augmentation (the leaf configs use it).
fewshot_train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomRotFlip', rotate_prob=0.5, flip_prob=0.5,
         degree=(-20, 20)),
    dict(type='MultiImgRandomCrop', crop_size=(256, 256), cat_max_ratio=0.75),
    dict(type='MultiImgExchangeTime', prob=0.5),
    dict(type='MultiImgPhotoMetricDistortion', brightness_delta=10,
         contrast_range=(0.8, 1.2), saturation_range=(0.8, 1.2),
         hue_delta=10),
    dict(type='MultiImgPackSegInputs')
]
