# CLIPFormer's optimisation, from the configs in its released logs: the
# shared CLIP-text change detection schedule (ChangeCLIP's), but the poly
# decay runs to the last of 40k iterations and validation and checkpoints
# come every 4k.
_base_ = ['../../../../../configs/_base_/schedules/'
          'schedule_clip_text_cd_20k.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500,
         end=40000)
]
train_cfg = dict(max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
