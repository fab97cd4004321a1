# open-cd's configs/fcsn/fc_siam_diff_256x256_40k_levircd.py, in our scope.
_base_ = [
    '../_base_/models/fc_siam_diff.py', '../_base_/datasets/levir_cd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
