# HANet on LEVIR-CD+: the dataset's standard pipeline, 40k iterations and the
# recipe of hanet_256x256_40k_levircd.py (the standard optimizer).
_base_ = [
    '../_base_/models/hanet.py',
    '../_base_/datasets/levir_cd_plus.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
