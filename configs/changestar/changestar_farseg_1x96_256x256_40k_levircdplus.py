# ChangeStar-FarSeg (1x96) on LEVIR-CD+: the dataset's standard pipeline, 40k
# iterations and the recipe of changestar_farseg_1x96_256x256_40k_levircd.py
# (the standard optimizer).
_base_ = [
    '../_base_/models/changestar_farseg_1x96_r18.py',
    '../_base_/datasets/levir_cd_plus.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
