# FC-Siam-diff on JL1-CD: the dataset's standard pipeline, 80k iterations
# (4000 training pairs of 512x512, like S2Looking's 80k schedule).
_base_ = [
    '../_base_/models/fc_siam_diff.py', '../_base_/datasets/jl1_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
