"""Inference precision names, their dtypes and autocast contexts."""
import contextlib
from typing import ContextManager

import torch

# Precision name -> compute dtype. bf16 keeps float32's exponent range, so
# no loss scaling is needed and CPUs with AVX512-BF16 / AMX run it natively.
PRECISIONS = {'fp32': torch.float32, 'bf16': torch.bfloat16}


def precision_dtype(precision: str, where: str = 'precision') -> torch.dtype:
    """The dtype of a precision name.

    Args:
        precision (str): 'fp32' or 'bf16'.
        where (str): Name of the setting, for the error message.

    Returns:
        torch.dtype: ``torch.float32`` or ``torch.bfloat16``.

    Raises:
        ValueError: For another name.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'{where}={precision!r}: must be one of '
                         f'{tuple(PRECISIONS)}')
    return PRECISIONS[precision]


def autocast_to(device_type: str, dtype: torch.dtype) -> ContextManager:
    """``torch.autocast`` to ``dtype``, or nothing for float32.

    Args:
        device_type (str): 'cpu' or 'cuda'.
        dtype (torch.dtype): Compute dtype.

    Returns:
        ContextManager: The context.
    """
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=dtype)


def floats(value: object) -> object:
    """``value`` with every floating tensor (in dicts, lists, tuples) cast
    to float32, so that callers never see the autocast dtype."""
    if isinstance(value, torch.Tensor):
        return value.float() if value.is_floating_point() else value
    if isinstance(value, dict):
        return {k: floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(floats(v) for v in value)
    return value
