# SYSU-CD (256x256 pairs; dates in time1/time2).
# Each pair gets the top-9 CLIP classes of both dates from the prompt JSON
# files written by tools/misc/clip_prompt_classes.py (see docs/projects.md):
# CLIPPromptDataset wraps the dataset named by dataset_type.
_base_ = ['./sysu_cd.py']
data_root = 'data/SYSU-CD'
prompted = dict(
    type='CLIPPromptDataset',
    dataset_type={{_base_.dataset_type}},
    json_tag='56_vit16',
    topk=9,
    data_root=data_root)
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(dataset=prompted)
val_dataloader = dict(dataset=dict(prompted, pipeline=test_pipeline))
test_dataloader = val_dataloader
