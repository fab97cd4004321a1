_base_ = [
    '../_base_/models/changestar_farseg_1x96_r18.py', 
    '../common/standard_256x256_40k_levircd.py']
