# STANet-Base (no attention) on LEVIR-CD, as open-cd's
# configs/stanet/stanet_base_256x256_40k_levircd.py (same crop, schedule,
# optimizer and sliding-window test).
_base_ = [
    '../_base_/models/stanet_r18.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
crop_size = (256, 256)
model = dict(
    decode_head=dict(sa_mode='None'),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(128, 128)))
