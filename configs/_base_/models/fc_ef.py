# FC-EF (Daudt et al., ICIP 2018): both dates stacked into one 6-channel
# input, as in open-cd's configs/_base_/models/fc_ef.py; everything else is
# FC-Siam-diff's.
_base_ = ['./fc_siam_diff.py']
model = dict(backbone=dict(type='FC_EF', in_channels=6))
