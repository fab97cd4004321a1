# ChangeFine at full size: frozen SAM ViT-B + CLIP ViT-B/16 (SCFE), four
# CPFMs + pseudo-pyramid UPerNet neck, prompt change decoder, focal/Dice +
# hard-sample contrast loss. See docs/changefine.md.
#
# `model.mode` is the one switch between 'paper' (default) and 'official'
# (the official code's behaviour, golden parity); the ChangeFine detector
# passes it to every part, so no part config names a mode. Official mode
# in multi-GPU runs also needs `find_unused_parameters = True`.
#
# Weights (not downloaded; see docs/changefine.md):
#   checkpoints/sam_vit_b_01ec64.pth  Meta's SAM ViT-B
#   checkpoints/ViT-B-16.pt           OpenAI's CLIP ViT-B/16
# A missing file stops model building with an error naming the file and
# where to get it.

# Class prompts of the official configs other than LEVIR-CD
# (config/classnames.xml of whudk/ChangeFine, K = 27); LEVIR-CD uses
# ['background', 'Buildings'].
landcover_class_names = [
    'unknown', 'push-fill', 'Buildings', 'Grassland', 'Hardened surface',
    'Forest land', 'roads', 'Cultivated land', 'others',
    'Facility agricultural land', 'Pond water surface', 'Structures',
    'House construction sites', 'Water areas', 'Open-air sports fields',
    'Open-air storage yards', 'Unused land', 'Hydraulic structures',
    'Road construction sites', 'Demolition sites', 'Open-air parking lots',
    'Photovoltaic panels', 'Mining land', 'Industrial facilities', 'Orchard',
    'Solidification ponds', 'Backfilling soil enclosed sea'
]
model = dict(
    type='ChangeFine',
    mode='paper',
    # The dataset configs set the dataset's mean/std (x255, RGB order).
    data_preprocessor=dict(
        type='DualInputSegDataPreProcessor',
        mean=[123.675, 116.28, 103.53] * 2,
        std=[58.395, 57.12, 57.375] * 2,
        bgr_to_rgb=True,
        size=(256, 256),
        pad_val=0,
        seg_pad_val=255,
        # SAM/CLIP need multiples of 16; 32 keeps the neck's stride-32
        # level whole.
        test_cfg=dict(size_divisor=32)),
    backbone=dict(
        type='SAMCLIPBackbone',
        class_names=['background', 'Buildings'],
        sam_checkpoint='checkpoints/sam_vit_b_01ec64.pth',
        clip_checkpoint='checkpoints/ViT-B-16.pt',
        sam_out_indices=(3, 5, 7, 11),
        clip_input_size=256,
        n_ctx=4,
        fusion_heads=8,
        fusion_layers=6,
        gamma_init=1e-4,
        # Dropout of the two fusion decoders (official: fixed 0.1).
        drop=0.1,
        # Dropout of embed_img_t (official: proj_drop; set per dataset).
        embed_drop=0.1),
    neck=dict(
        type='CPFMNeck',
        in_channels=768,
        width=512,
        num_heads=16,
        score_channels=2,
        fpn_dim=512,
        out_channels=512,
        drop=0.1,  # official proj_drop
        attn_drop=0.1,  # official attn_drop
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decode_head=dict(
        type='PromptChangeDecoder',
        in_channels=512,
        channels=512,
        num_classes=2,
        text_dim=512,
        text_drop_path=0.1,  # official proj_drop
        align_corners=False,
        loss_decode=dict(
            type='ChangeFineLoss',
            fine_weight=1.0,
            coarse_weight=0.3,
            contrast_weight=0.1,
            hybrid=dict(
                type='FocalDiceLoss',
                gamma=1.0,
                alpha=(0.004, 0.996),
                dice_weight=1.0),
            contrast=dict(
                type='HardSampleContrastLoss',
                num_classes=2,
                embed_dim=512,
                queue_size=5000,
                per_class=100,
                max_samples=1024,
                max_views=100,
                contrast_start=0.8))),
    train_cfg=dict(),
    # Large tiles (LEVIR-CD 1024x1024) are cut into the 256x256 windows the
    # model was trained on; 256x256 tiles are a single window.
    test_cfg=dict(mode='slide', crop_size=(256, 256), stride=(256, 256)))
