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
# Stores the run's checkpoints so that --resume loads them with
# weights_only=True (see docs/checkpoints.md).
custom_hooks = [dict(type='SafeCheckpointHook')]
tta_model = dict(type='mmseg.SegTTAModel')
