# LightCDNet-B trained from scratch on all SYSU-CD training labels
# (ChangeAnywhere's 'onlysup' baseline).
_base_ = [
    './_base_/models/lightcdnet_b.py',
    './_base_/sysucd_fewshot_50e.py'
]
