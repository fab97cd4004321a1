# FC-Siam-conc on CDD: the dataset's standard pipeline, 40k
# iterations.
_base_ = [
    '../_base_/models/fc_siam_conc.py', '../_base_/datasets/cdd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
