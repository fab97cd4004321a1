# The official training schedule (configs/config.yaml `training` and
# engines/train_engine.py): AdamW lr 1e-4 (backbone 1e-5), weight decay
# 1e-4, 200 epochs, StepLR x0.1 every 20 epochs (lr_drop), validation every
# epoch, checkpoint of the best IoU. The paper's 64-epoch schedule is
# schedule_64e.py.
_base_ = ['./schedule_64e.py']
param_scheduler = [
    dict(type='StepLR', step_size=20, gamma=0.1, by_epoch=True, begin=0,
         end=200)
]
train_cfg = dict(max_epochs=200)
