# FC-EF as in ChangeAnywhere's few-shot configs (github.com/tangkai-RS/
# ChangeAnywhere, configs/*/fc_ef_256x256_50e_*.py).
_base_ = ['../../../../../configs/_base_/models/fc_ef.py']
