# BIT-R18 on CDD: the dataset's standard pipeline, 40k
# iterations.
_base_ = [
    '../_base_/models/bit_r18.py', '../_base_/datasets/cdd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
