"""Registries of the ``changefine_mm`` scope.

Each registry is a child of mmseg's registry of the same kind (which is a
child of mmengine's), so a config in our scope can name our modules
(``SiamEncoderDecoder``), mmseg's modules without a prefix (``UPerHead``) or
with one (``mmseg.UPerHead``), and mmengine's optimizers, loops and hooks.
Our names live in our own scope, so importing this package next to an
installed open-cd never raises "already registered".
"""
from mmengine.registry import Registry
from mmseg import registry as mmseg_registry


def _child(parent: Registry, *locations: str) -> Registry:
    return Registry(parent.name, parent=parent, scope='changefine_mm',
                    locations=list(locations))


RUNNERS = _child(mmseg_registry.RUNNERS, 'changefine_mm.engine')
RUNNER_CONSTRUCTORS = _child(mmseg_registry.RUNNER_CONSTRUCTORS,
                             'changefine_mm.engine')
LOOPS = _child(mmseg_registry.LOOPS, 'changefine_mm.engine')
HOOKS = _child(mmseg_registry.HOOKS, 'changefine_mm.engine',
               'changefine_mm.visualization')
DATASETS = _child(mmseg_registry.DATASETS, 'changefine_mm.datasets')
DATA_SAMPLERS = _child(mmseg_registry.DATA_SAMPLERS, 'changefine_mm.datasets')
TRANSFORMS = _child(mmseg_registry.TRANSFORMS,
                    'changefine_mm.datasets.transforms')
MODELS = _child(mmseg_registry.MODELS, 'changefine_mm.models')
MODEL_WRAPPERS = _child(mmseg_registry.MODEL_WRAPPERS, 'changefine_mm.models')
WEIGHT_INITIALIZERS = _child(mmseg_registry.WEIGHT_INITIALIZERS,
                             'changefine_mm.models')
OPTIMIZERS = _child(mmseg_registry.OPTIMIZERS, 'changefine_mm.engine')
OPTIM_WRAPPERS = _child(mmseg_registry.OPTIM_WRAPPERS, 'changefine_mm.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    mmseg_registry.OPTIM_WRAPPER_CONSTRUCTORS, 'changefine_mm.engine')
PARAM_SCHEDULERS = _child(mmseg_registry.PARAM_SCHEDULERS,
                          'changefine_mm.engine')
METRICS = _child(mmseg_registry.METRICS, 'changefine_mm.evaluation')
EVALUATOR = _child(mmseg_registry.EVALUATOR, 'changefine_mm.evaluation')
TASK_UTILS = _child(mmseg_registry.TASK_UTILS, 'changefine_mm.models')
VISUALIZERS = _child(mmseg_registry.VISUALIZERS, 'changefine_mm.visualization')
VISBACKENDS = _child(mmseg_registry.VISBACKENDS, 'changefine_mm.visualization')
LOG_PROCESSORS = _child(mmseg_registry.LOG_PROCESSORS,
                        'changefine_mm.visualization')
INFERENCERS = _child(mmseg_registry.INFERENCERS, 'changefine_mm.apis')
