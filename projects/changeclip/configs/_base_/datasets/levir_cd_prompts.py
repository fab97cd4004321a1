# LEVIR-CD cut into 256x256 tiles (ChangeCLIP's cut_data; 16 tiles per image,
# so tile metrics equal full-image metrics), LEVIR layout.
# Each pair gets the top-9 CLIP classes of both dates from the prompt JSON
# files written by tools/misc/clip_prompt_classes.py (see docs/projects.md).
_base_ = ['../../../../../configs/_base_/datasets/levir_cd.py']
data_root = 'data/LEVIR-CD-256'
json_tag = '56_vit16'
prompt_topk = 9
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CLIPPromptDataset',
        json_tag=json_tag,
        topk=prompt_topk,
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root=data_root,
            data_prefix={{_base_.train_dataloader.dataset.data_prefix}},
            pipeline={{_base_.train_pipeline}})))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CLIPPromptDataset',
        json_tag=json_tag,
        topk=prompt_topk,
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root=data_root,
            data_prefix={{_base_.val_dataloader.dataset.data_prefix}},
            pipeline=test_pipeline)))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CLIPPromptDataset',
        json_tag=json_tag,
        topk=prompt_topk,
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root=data_root,
            data_prefix={{_base_.test_dataloader.dataset.data_prefix}},
            pipeline=test_pipeline)))
