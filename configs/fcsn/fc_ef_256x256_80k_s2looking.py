# FC-EF on S2Looking: the dataset's standard pipeline, 80k
# iterations.
_base_ = [
    '../_base_/models/fc_ef.py', '../_base_/datasets/s2looking.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
