from .autocast_optim_wrapper import AutocastOptimWrapper
from .exact_resume_hook import ExactResumeHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .trainable_optim_wrapper_constructor import \
    TrainableOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper', 'ExactResumeHook', 'SafeCheckpointHook',
    'TrainableOptimWrapperConstructor'
]
