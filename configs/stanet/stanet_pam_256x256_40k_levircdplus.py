# STANet-PAM on LEVIR-CD+: the dataset's standard pipeline, 40k iterations
# and the recipe of stanet_pam_256x256_40k_levircd.py (pyramid attention and
# its sliding-window test).
_base_ = [
    '../_base_/models/stanet_r18.py',
    '../_base_/datasets/levir_cd_plus.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
model = dict(
    decode_head=dict(sa_mode='PAM'),
    test_cfg=dict(mode='slide', crop_size=(256, 256), stride=(128, 128)))
