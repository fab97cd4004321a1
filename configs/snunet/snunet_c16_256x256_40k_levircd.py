# SNUNet-c16 (ECAM) on LEVIR-CD, as open-cd's
# configs/snunet/snunet_c16_256x256_40k_levircd.py
# (same crop, schedule, optimizer).
_base_ = [
    '../_base_/models/snunet_c16.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
