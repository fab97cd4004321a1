# SNUNet-c16 (ECAM) on LEVIR-CD+: the dataset's standard pipeline, 40k
# iterations.
_base_ = [
    '../_base_/models/snunet_c16.py', '../_base_/datasets/levir_cd_plus.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
