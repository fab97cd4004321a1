"""AutocastOptimWrapper: mixed precision without loss scaling (CPU bf16)."""
from contextlib import contextmanager
from typing import Iterator, Optional

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from changefine_mm.registry import OPTIM_WRAPPERS

DTYPES = {'bfloat16': torch.bfloat16, 'float16': torch.float16}


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under ``torch.autocast``.

    mmengine's ``AmpOptimWrapper`` refuses to start without a GPU; bf16
    has float32's exponent range, so it needs no loss scaling and works on
    CPU (``tools/train.py --amp`` without a GPU). Parameters, gradients and
    the optimiser state stay float32. For float16 on GPU use
    ``AmpOptimWrapper`` (it scales the loss).

    Args:
        dtype (str): 'bfloat16' (default) or 'float16'.
        device_type (str, optional): Autocast device; defaults to the
            device of the model's first parameter.
        **kwargs: See ``OptimWrapper``.
    """

    def __init__(self, dtype: str = 'bfloat16',
                 device_type: Optional[str] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if dtype not in DTYPES:
            raise ValueError(f'AutocastOptimWrapper: dtype must be one of '
                             f'{tuple(DTYPES)}, got {dtype!r}')
        self.cast_dtype = DTYPES[dtype]
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """The parent's context (gradient accumulation) plus autocast.

        Args:
            model (nn.Module): The trained model.
        """
        device = self.device_type or next(model.parameters()).device.type
        with super().optim_context(model), \
                torch.autocast(device, dtype=self.cast_dtype):
            yield
