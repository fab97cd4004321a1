# ChangeStar-UperNet (1x96) on LEVIR-CD, as open-cd's
# configs/changestar/changestar_upernet_1x96_256x256_40k_levircd.py (the
# standard crop, schedule and optimizer).
_base_ = [
    '../_base_/models/changestar_upernet_1x96_r18.py',
    '../_base_/datasets/levir_cd.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
