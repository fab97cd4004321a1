# A tiny ChangeFineSCD for CPU tests and the demo: the widths of
# configs/changefine/changefine_tiny_demo.py on the synthetic SECOND-layout
# pairs of tools/misc/make_scd_demo_data.py (data/demo_scd, 64x64). The
# frozen SAM and CLIP encoders are tiny and random (no weight files);
# `init_seed` makes them identical in training and testing.
_base_ = ['./changefine_scd_second.py']
data_root = 'data/demo_scd'
sam_width = 64
clip_width = 64
width = 32
model = dict(
    init_seed=0,
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(
        sam_checkpoint=None,
        clip_checkpoint=None,
        sam_arch=dict(img_size=128, embed_dim=sam_width, depth=4,
                      num_heads=2, global_attn_indexes=(1, 3),
                      window_size=4),
        sam_out_indices=(0, 1, 2, 3),
        clip_arch=dict(embed_dim=clip_width, vision_layers=2,
                       vision_width=64, image_size=128, text_width=64,
                       text_layers=2, context_length=16),
        clip_input_size=64,
        fusion_heads=2,
        fusion_layers=1),
    neck=dict(in_channels=sam_width, width=width, num_heads=4,
              fpn_dim=width, out_channels=width, gn_groups=8,
              norm_cfg=dict(type='BN')),
    decode_head=dict(
        binary_cd_head=dict(
            in_channels=width,
            channels=width,
            text_dim=clip_width,
            text_hidden_dim=2 * clip_width,
            decoder_num_heads=2,
            decoder_mlp_dim=2 * width,
            loss_decode=dict(
                contrast=dict(embed_dim=width, queue_size=256, per_class=16,
                              max_samples=256, max_views=16))),
        semantic_cd_head=dict(
            in_channels=sam_width, channels=width, text_dim=clip_width,
            gn_groups=8, norm_cfg=dict(type='BN'))),
    test_cfg=dict(mode='whole'))
train_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgMultiAnnLoadAnnotations'),
    dict(type='MultiImgRandomFlip', prob=0.5),
    dict(type='MultiImgPackSegInputs')
]
test_pipeline = [
    dict(type='MultiImgLoadImageFromFile'),
    dict(type='MultiImgMultiAnnLoadAnnotations'),
    dict(type='MultiImgPackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        pipeline=test_pipeline,
        data_prefix=dict(
            img_path_from='test/im1',
            img_path_to='test/im2',
            seg_map_path='test/label',
            seg_map_path_from='test/label1',
            seg_map_path_to='test/label2')))
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0.01))
max_iters = 200
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=20),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=False, begin=20,
         end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=100)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, max_keep_ckpts=2))
