# FC-EF on WHU-CD: the dataset's standard pipeline, 40k
# iterations.
_base_ = [
    '../_base_/models/fc_ef.py', '../_base_/datasets/whu_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
