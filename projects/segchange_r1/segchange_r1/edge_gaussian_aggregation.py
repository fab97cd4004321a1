"""EdgeGaussianAggregation (EGA): Scharr edges, Gaussian blur, residual."""
import math

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS

_SCHARR_X = ((-3., 0., 3.), (-10., 0., 10.), (-3., 0., 3.))


def gaussian_kernel(size: int, sigma: float) -> torch.Tensor:
    """A normalised (size, size) Gaussian kernel centred on the middle tap.

    Args:
        size (int): Odd kernel size.
        sigma (float): Standard deviation in pixels.

    Returns:
        Tensor: Kernel summing to 1.
    """
    if size % 2 == 0 or size < 1:
        raise ValueError(f'Gaussian kernel size must be odd, got {size}')
    offsets = torch.arange(size, dtype=torch.float32) - size // 2
    one_d = torch.exp(-offsets**2 / (2 * sigma**2))
    kernel = torch.outer(one_d, one_d) / (2 * math.pi * sigma**2)
    return kernel / kernel.sum()


def _depthwise(channels: int, kernel: torch.Tensor) -> nn.Conv2d:
    size = kernel.shape[-1]
    conv = nn.Conv2d(channels, channels, kernel_size=size, padding=size // 2,
                     groups=channels, bias=False)
    conv.weight.data.copy_(kernel.expand(channels, 1, size, size))
    return conv


@MODELS.register_module()
class EdgeGaussianAggregation(BaseModule):
    """Edge-Gaussian aggregation of a fused feature map.

    Official class ``models/neck/ega.py::EGA`` (from arXiv 2503.14012),
    used after SegChange-R1's FPN when ``use_ega`` is set. Edges are the
    Scharr gradient magnitude (depthwise convs) + BN + ReLU; they are
    smoothed by a depthwise Gaussian + BN + ReLU, added to the input and
    mixed by a 1x1 conv. As in the official code the Scharr and Gaussian
    kernels are only initial values and are trained with the rest. There
    is no paper/official difference, hence no ``mode``.

    Args:
        channels (int): Input (and output) channels.
        kernel_size (int): Gaussian kernel size. Defaults to 3.
        sigma (float): Gaussian standard deviation. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 channels: int,
                 kernel_size: int = 3,
                 sigma: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        scharr_x = torch.tensor(_SCHARR_X)
        self.scharr_x = _depthwise(channels, scharr_x)
        self.scharr_y = _depthwise(channels, scharr_x.t().contiguous())
        self.edge_norm = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU())
        self.gaussian = nn.Sequential(
            _depthwise(channels, gaussian_kernel(kernel_size, sigma)),
            nn.BatchNorm2d(channels), nn.ReLU())
        self.out_conv = nn.Conv2d(channels, channels, kernel_size=1)

    def edges(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised Scharr gradient magnitude of every channel."""
        # The epsilon keeps the square root differentiable on flat areas.
        magnitude = torch.sqrt(
            self.scharr_x(x)**2 + self.scharr_y(x)**2 + 1e-6)
        return self.edge_norm(magnitude)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Add smoothed edges to ``x`` and mix channels.

        Args:
            x (Tensor): (B, C, H, W) features.

        Returns:
            Tensor: Features of the same shape.
        """
        return self.out_conv(x + self.gaussian(self.edges(x)))
