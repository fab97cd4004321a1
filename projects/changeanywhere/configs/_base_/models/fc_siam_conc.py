# FC-Siam-conc as in ChangeAnywhere's few-shot configs (github.com/tangkai-RS/
# ChangeAnywhere, configs/*/fc_siam_conc_256x256_50e_*.py).
_base_ = ['../../../../../configs/_base_/models/fc_siam_conc.py']
