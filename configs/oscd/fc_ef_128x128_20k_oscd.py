# FC-EF (Daudt et al., ICIP 2018) on OSCD with all 13 Sentinel-2 bands,
# trained from scratch: both dates stacked into 26 input channels.
_base_ = [
    '../_base_/models/fc_ef.py', '../_base_/datasets/oscd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
band_count = 13
model = dict(
    # Percentile-stretched bands are 0..255; this centres them near 0.
    data_preprocessor=dict(
        mean=[127.5] * band_count, std=[63.75] * band_count,
        bgr_to_rgb=False),
    backbone_inchannels=band_count,
    backbone=dict(in_channels=2 * band_count))
