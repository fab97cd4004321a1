# IFN on DSIFN-CD: the dataset's standard pipeline, 40k iterations and the
# recipe of ifn_256x256_40k_levircd.py (the standard optimizer).
_base_ = [
    '../_base_/models/ifn.py',
    '../_base_/datasets/dsifn.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_40k.py'
]
