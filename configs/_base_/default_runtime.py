default_scope = 'changefine_mm'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='ChangeVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
# SafeCheckpointHook: --resume loads the run's checkpoints with
# weights_only=True. ExactResumeHook: a killed and resumed run repeats the
# uninterrupted one (same data, augmentation and dropout draws). See
# docs/checkpoints.md.
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='ExactResumeHook')]
tta_model = dict(type='mmseg.SegTTAModel')
