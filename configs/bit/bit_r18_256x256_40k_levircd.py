# BIT-R18 on LEVIR-CD, as open-cd's
# configs/bit/bit_r18_256x256_40k_levircd.py (same crop, schedule, optimizer).
_base_ = [
    '../_base_/models/bit_r18.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
