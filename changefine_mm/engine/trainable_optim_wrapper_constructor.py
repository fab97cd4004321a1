"""TrainableOptimWrapperConstructor: mmengine's default constructor without
one warning per frozen parameter."""
import logging
from contextlib import contextmanager
from typing import Iterator

from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from torch import nn

from changefine_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS

# How mmengine's DefaultOptimWrapperConstructor.add_params words the warning
# for a parameter with requires_grad=False.
FROZEN_SKIP_MESSAGE = 'is skipped since its requires_grad=False'


class _DropFrozenSkips(logging.Filter):
    """Drop the per-parameter warnings about frozen parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().endswith(FROZEN_SKIP_MESSAGE)


@contextmanager
def _without_frozen_skip_warnings(logger: logging.Logger) -> Iterator[None]:
    log_filter = _DropFrozenSkips()
    logger.addFilter(log_filter)
    try:
        yield
    finally:
        logger.removeFilter(log_filter)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` that leaves frozen parameters out
    quietly.

    With a ``paramwise_cfg`` mmengine's constructor leaves every parameter
    with ``requires_grad=False`` out of the optimizer and logs one warning
    for each (about 500 lines for ChangeFine's frozen SAM and CLIP
    encoders). This constructor builds the same param groups with the same
    options, and replaces those warnings by one info line with the number
    of frozen tensors and values. Without a ``paramwise_cfg`` it is the
    default constructor (all parameters go to the optimizer, no warnings).

    Config: ``optim_wrapper = dict(constructor=
    'TrainableOptimWrapperConstructor', ...)``; the arguments are those of
    ``DefaultOptimWrapperConstructor``.
    """

    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Build the optimizer wrapper of ``model``.

        Args:
            model (nn.Module): The model (or a DDP wrapper with ``.module``).

        Returns:
            OptimWrapper: As built by ``DefaultOptimWrapperConstructor``.
        """
        if not self.paramwise_cfg:
            return super().__call__(model)
        module = getattr(model, 'module', model)
        frozen = [p for p in module.parameters() if not p.requires_grad]
        with _without_frozen_skip_warnings(MMLogger.get_current_instance()):
            wrapper = super().__call__(model)
        if frozen:
            print_log(
                f'optimizer: {len(frozen)} frozen parameter tensors '
                f'({sum(p.numel() for p in frozen):,} values) left out',
                logger='current', level=logging.INFO)
        return wrapper
