# FC-EF on OSCD with the RGB bands only (B04, B03, B02), the other OSCD
# baseline input; as 3-band images they come blue first, and the
# preprocessor turns them back to RGB.
_base_ = ['./fc_ef_128x128_20k_oscd.py']
bands = [4, 3, 2]
scale = dict(type='percentile', low=2, high=98)
model = dict(
    data_preprocessor=dict(
        mean=[127.5] * 3, std=[63.75] * 3, bgr_to_rgb=True),
    backbone_inchannels=3,
    backbone=dict(in_channels=6))
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='MultiImgLoadImageFromFile', bands=bands, scale=scale),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgRandomCrop', crop_size=(128, 128)),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MultiImgRandomFlip', prob=0.5, direction='vertical'),
    dict(type='MultiImgPackSegInputs')
]))
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile', bands=bands, scale=scale),
    dict(type='MultiImgLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
