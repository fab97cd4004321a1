# FC-Siam-diff on CLCD: the dataset's standard pipeline, 40k iterations.
_base_ = [
    '../_base_/models/fc_siam_diff.py', '../_base_/datasets/clcd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
