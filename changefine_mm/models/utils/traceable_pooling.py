"""Adaptive average pooling written with tensor ops on the input size, so
that ONNX export keeps it correct for any input size."""
import torch
from torch import Tensor


def bin_average_matrix(size, bins: int, dtype: torch.dtype,
                       device: torch.device) -> Tensor:
    """Averaging matrix of adaptive pooling along one axis.

    Bin ``i`` covers ``[floor(i * size / bins), ceil((i + 1) * size / bins))``,
    the bins of :func:`torch.nn.functional.adaptive_avg_pool2d`, including
    overlapping bins and ``bins > size``.

    Args:
        size (int | Tensor): Input length along the axis. During ONNX
            tracing this is a traced size, and the matrix is built in the
            graph.
        bins (int): Output length.
        dtype (torch.dtype): Dtype of the matrix.
        device (torch.device): Device of the matrix.

    Returns:
        Tensor: [bins, size], row ``i`` holds ``1 / len(bin i)`` on bin ``i``.
    """
    index = torch.arange(bins, device=device)
    start = torch.div(index * size, bins, rounding_mode='floor')
    end = torch.div((index + 1) * size + bins - 1, bins,
                    rounding_mode='floor')
    position = torch.arange(size, device=device)
    inside = (position[None] >= start[:, None]) & (position[None]
                                                   < end[:, None])
    return inside.to(dtype) / (end - start)[:, None].to(dtype)


def adaptive_avg_pool2d(x: Tensor, output_size: int) -> Tensor:
    """Adaptive average pooling to ``output_size`` x ``output_size``.

    Equal to :func:`torch.nn.functional.adaptive_avg_pool2d` up to float
    rounding (sums are taken as two matrix products). The legacy ONNX
    exporter converts ``adaptive_avg_pool2d`` only when the input size is a
    known multiple of the output size; this form has no such limit, and
    with dynamic input sizes the bins follow the size at run time.

    Args:
        x (Tensor): [B, C, H, W].
        output_size (int): Bins per side.

    Returns:
        Tensor: [B, C, output_size, output_size].
    """
    rows = bin_average_matrix(x.shape[2], output_size, x.dtype, x.device)
    cols = bin_average_matrix(x.shape[3], output_size, x.dtype, x.device)
    return rows @ x @ cols.transpose(0, 1)
