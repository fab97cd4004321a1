# Testing CLIPFormer trained on LEVIR-CD tiles on the full 1024x1024 test
# images: 256x256 sliding windows whose prompts are rebuilt from each
# window's pixels by CLIP zero-shot classification (CLIPFormer's
# mm_slide_inference), so no prompt JSON is needed for testing.
_base_ = ['./clipformer_swin-t_256x256_40k_levircd.py']
prompt_clip_checkpoint = 'checkpoints/clip/ViT-B-16.pt'
model = dict(
    tile_prompts=dict(
        classifier=dict(
            type='CLIPZeroShotClassifier',
            class_names='changefine_mm/models/utils/rs_classes.txt',
            clip_checkpoint=prompt_clip_checkpoint),
        topk=9),
    test_cfg=dict(mode='slide', crop_size=(256, 256), stride=(256, 256)))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LEVIRCDDataset',
        data_root='data/LEVIR-CD',
        data_prefix=dict(
            img_path_from='test/A',
            img_path_to='test/B',
            seg_map_path='test/label'),
        pipeline=[
            dict(type='MultiImgLoadImageFromFile'),
            dict(type='MultiImgLoadAnnotations'),
            dict(type='MultiImgPackSegInputs')
        ]))
