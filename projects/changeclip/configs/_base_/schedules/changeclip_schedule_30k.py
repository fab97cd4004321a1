# ChangeCLIP's optimisation for 30k iterations, as in the official
# configs/0cd_ce/changeclip_*.py at HEAD (after commit d91aa79 "fix poly_lr
# bug"): the shared CLIP-text schedule (AdamW, 1.5k linear warm-up) with the
# poly decay reaching 0 at the last iteration.
_base_ = ['../../../../../configs/_base_/schedules/'
          'schedule_clip_text_cd_20k.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500,
         end=30000)
]
train_cfg = dict(max_iters=30000)
