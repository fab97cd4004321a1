# Training-free ChangeAnywhere-style pairs from LoveDA
# (<root>/Train/{Urban,Rural}/{images_png,masks_png}; 0 = no-data,
# 1 background, 2 building, 3 road, 4 water, 5 barren, 6 forest,
# 7 agriculture).
ignore_index = 0
source = dict(layout='loveda', root='data/LoveDA', split='Train')
bank = dict(min_pixels=256, ignore_index=ignore_index, cache_size=32)
editor = dict(
    type='SemanticChangeEditor',
    change_ratio=(0.05, 0.3),
    min_region=64,
    max_region_fraction=0.25,
    blob_prob=0.3,
    ignore_index=ignore_index)
synthesizer = dict(
    type='RegionReplacementSynthesizer', feather=3.0, harmonize=0.5)
variation = dict(
    type='SameClassVariation',
    seasonal_classes=(6, 7),  # forest, agriculture
    hue_shift=16.0,  # degrees
    saturation=(0.7, 1.3),
    class_brightness=(0.9, 1.1),
    gain=(0.85, 1.15),
    bias=(-12.0, 12.0),
    gamma=(0.8, 1.25),
    max_shift=1.5,
    max_rotation=0.5,
    noise_std=(0.0, 5.0),
    border_blur=2.0)
swap_prob = 0.5
