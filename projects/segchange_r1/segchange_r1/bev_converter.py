"""BEVConverter: the shape handling shared by the BEV space converters."""
from abc import ABCMeta, abstractmethod

import torch
import torch.nn as nn
from mmengine.model import BaseModule


class BEVConverter(BaseModule, metaclass=ABCMeta):
    """Flatten a map to tokens, mix them, put them back, project.

    Paper section 3.2: each scale's features are turned into tokens, mixed
    by an attention (:meth:`mix`, defined by the subclass) and brought back
    to the grid, then a 1x1 convolution maps them to ``out_channels``. As in
    the official code there is no residual path.

    Args:
        in_channels (int): Channels of the input map (the token width).
        out_channels (int): Channels after the 1x1 projection.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.proj = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    @abstractmethod
    def mix(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mix (B, N, C) tokens into (B, N, C) tokens."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map a (B, C, H, W) feature map.

        Args:
            x (Tensor): Input features.

        Returns:
            Tensor: (B, out_channels, H, W) features.
        """
        batch, channels, height, width = x.shape
        mixed = self.mix(x.flatten(2).transpose(1, 2))
        grid = mixed.transpose(1, 2).reshape(batch, channels, height, width)
        return self.proj(grid)
