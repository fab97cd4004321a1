"""ScaleUpsample: resize by an integer factor, with the output size kept
dynamic in ONNX traces."""
import torch.nn.functional as F
from torch import Tensor, nn


class ScaleUpsample(nn.Module):
    """Resize a map by an integer factor.

    Gives the same result as ``mmseg.models.utils.Upsample(scale_factor=
    factor)`` (which resizes to ``int(size * factor)``), but the output size
    is ``size * factor`` without ``int()``, so an ONNX trace keeps it
    proportional to the input instead of freezing the export size.

    Args:
        scale_factor (int): Integer up-sampling factor.
        mode (str): Interpolation mode of ``F.interpolate``.
        align_corners (bool, optional): As in ``F.interpolate``.

    Raises:
        ValueError: If ``scale_factor`` is not a positive integer.
    """

    def __init__(self, scale_factor: int, mode: str = 'nearest',
                 align_corners=None) -> None:
        super().__init__()
        if int(scale_factor) != scale_factor or scale_factor < 1:
            raise ValueError('ScaleUpsample needs a positive integer '
                             f'scale_factor, got {scale_factor!r}')
        self.scale_factor = int(scale_factor)
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x: Tensor) -> Tensor:
        """Resize [B, C, H, W] to [B, C, factor * H, factor * W]."""
        size = [side * self.scale_factor for side in x.shape[-2:]]
        return F.interpolate(x, size=size, mode=self.mode,
                             align_corners=self.align_corners)
