"""TrainableOptimWrapperConstructor: the default constructor's groups, one
log line instead of a warning per frozen parameter."""
import logging

from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from changefine_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS

WRAPPER_CFG = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
PARAMWISE_CFG = dict(flat_decay_mult=0.0,
                     custom_keys={'head': dict(lr_mult=0.1)})


class _Records(logging.Handler):

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _model() -> nn.Module:
    """A frozen encoder (weights, biases, a norm) and a trainable rest."""
    model = nn.Module()
    model.encoder = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    model.encoder.requires_grad_(False)
    model.neck = nn.Sequential(nn.Conv2d(4, 4, 1), nn.LayerNorm(4))
    model.head = nn.Linear(4, 2)
    return model


def _build(constructor_type: str, model: nn.Module, paramwise_cfg):
    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    try:
        constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(type=constructor_type, optim_wrapper_cfg=WRAPPER_CFG,
                 paramwise_cfg=paramwise_cfg))
        wrapper = constructor(model)
    finally:
        logger.removeHandler(handler)
    return wrapper, handler.records


def _groups(wrapper):
    return [{k: ([id(p) for p in v] if k == 'params' else v)
             for k, v in group.items()}
            for group in wrapper.optimizer.param_groups]


def test_same_groups_as_default_and_one_line_for_frozen_parameters():
    model = _model()
    ours, records = _build('TrainableOptimWrapperConstructor', model,
                           PARAMWISE_CFG)
    default, default_records = _build('DefaultOptimWrapperConstructor',
                                      model, PARAMWISE_CFG)
    assert _groups(ours) == _groups(default)
    trainable = [id(p) for p in model.parameters() if p.requires_grad]
    assert [i for g in _groups(ours) for i in g['params']] == trainable
    # mmengine warns for each of the 4 frozen tensors; we do not.
    assert sum('requires_grad=False' in r.getMessage()
               for r in default_records) == 4
    messages = [r.getMessage() for r in records]
    assert not [r for r in records if r.levelno >= logging.WARNING]
    assert [m for m in messages if 'frozen' in m] == [
        'optimizer: 4 frozen parameter tensors (120 values) left out']
    assert not MMLogger.get_current_instance().filters


def test_without_paramwise_cfg_it_is_the_default_constructor():
    model = _model()
    ours, records = _build('TrainableOptimWrapperConstructor', model, None)
    default, _ = _build('DefaultOptimWrapperConstructor', model, None)
    assert _groups(ours) == _groups(default)
    assert not [r for r in records if 'frozen' in r.getMessage()]
    assert isinstance(
        OPTIM_WRAPPER_CONSTRUCTORS.get('TrainableOptimWrapperConstructor')(
            WRAPPER_CFG), DefaultOptimWrapperConstructor)
