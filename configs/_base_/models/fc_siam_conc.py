# FC-Siam-conc (Daudt et al., ICIP 2018): shared encoder, both dates' skip
# features concatenated, as in open-cd's configs/_base_/models/
# fc_siam_conc.py; everything else is FC-Siam-diff's.
_base_ = ['./fc_siam_diff.py']
model = dict(backbone=dict(type='FC_Siam_conc'))
