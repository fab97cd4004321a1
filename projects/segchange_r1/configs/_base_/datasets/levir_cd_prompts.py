# LEVIR-CD in SegChange-R1's "default" layout: <split>/{A,B,label} plus an
# optional <split>/prompts.txt ("<file name><2 spaces><prompt>"). Without a
# prompts.txt set prompt_file=None: every pair then gets default_prompt.
_base_ = ['../../../../../configs/_base_/datasets/levir_cd.py']
crop_size = (512, 512)
prompt = 'Buildings with changes.'
pack = dict(
    type='MultiImgPackSegInputs',
    meta_keys=('img_path', 'seg_map_path', 'pair_name', 'ori_shape',
               'img_shape', 'pad_shape', 'scale_factor', 'flip',
               'flip_direction', 'reduce_zero_label', 'prompt'))
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomRotate', prob=0.5, degree=15),
    dict(type='MultiImgRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='MultiImgPhotoMetricDistortion',
        brightness_delta=10,
        contrast_range=(0.8, 1.2),
        saturation_range=(0.8, 1.2),
        hue_delta=10),
    pack
]
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'), pack
]
dataset = dict(
    type='PromptCDDataset',
    data_format='default',
    prompt_file='prompts.txt',
    default_prompt=prompt,
    img_suffix='.png',
    seg_map_suffix='.png')
train_dataloader = dict(
    batch_size=8,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(dataset, split='val', pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(dataset, split='test', pipeline=test_pipeline))
