"""CBAM: the channel + spatial attention used by the difference module."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS

_MODES = ('official', 'paper')


@MODELS.register_module()
class CBAM(BaseModule):
    """Convolutional block attention (channel gate, then spatial gate).

    Paper section 3.3 cites CBAM (Woo et al.); official class
    ``models/neck/feature_diff.py::CBAM``.

    ``mode='official'`` is the released variant: the channel gate uses the
    average-pooled descriptor only (bias-free 1x1 convs with reduction
    ``ratio``), and the spatial gate is a learned map from a grouped 7x7
    conv (``channels -> channels / ratio``) + BN + ReLU + 1x1 conv.
    ``mode='paper'`` is CBAM as published: the channel gate adds the
    average- and max-pooled branches through a shared MLP, and the spatial
    gate is a 7x7 conv over the channel-wise mean and max maps.

    Args:
        channels (int): Input (and output) channels.
        ratio (int): Channel reduction. Defaults to 16.
        mode (str): 'official' or 'paper'. Defaults to 'official'.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 channels: int,
                 ratio: int = 16,
                 mode: str = 'official',
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in _MODES:
            raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
        hidden = channels // ratio
        if hidden < 1:
            raise ValueError(f'CBAM: channels={channels} is smaller than '
                             f'ratio={ratio}')
        self.mode = mode
        self.channel_mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, kernel_size=1, bias=False),
            nn.ReLU(),
            nn.Conv2d(hidden, channels, kernel_size=1, bias=False))
        if mode == 'official':
            self.spatial = nn.Sequential(
                nn.Conv2d(channels, hidden, kernel_size=7, padding=3,
                          groups=hidden),
                nn.BatchNorm2d(hidden),
                nn.ReLU(),
                nn.Conv2d(hidden, 1, kernel_size=1))
        else:
            self.spatial = nn.Conv2d(2, 1, kernel_size=7, padding=3,
                                     bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reweight a (B, C, H, W) map by channel, then by position.

        Args:
            x (Tensor): Input features.

        Returns:
            Tensor: Features of the same shape.
        """
        avg = x.mean(dim=(2, 3), keepdim=True)
        if self.mode == 'official':
            x = x * self.channel_mlp(avg).sigmoid()
            return x * self.spatial(x).sigmoid()
        peak = x.amax(dim=(2, 3), keepdim=True)
        x = x * (self.channel_mlp(avg) + self.channel_mlp(peak)).sigmoid()
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)],
                           dim=1)
        return x * self.spatial(pooled).sigmoid()
