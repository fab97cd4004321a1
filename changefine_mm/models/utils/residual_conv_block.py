"""ResidualConvBlock: two 3x3 conv-BN layers with a shortcut."""
from mmcv.cnn import build_norm_layer
from mmseg.utils import ConfigType
from torch import Tensor, nn


class ResidualConvBlock(nn.Module):
    """``conv3x3-BN-ReLU-conv3x3-BN`` plus a shortcut, no final activation.

    Corresponds to the official ChangeFine
    ``models/ChangeFine.py::ResidualConvBlock`` (keys ``conv.0``, ``conv.1``,
    ``conv.3``, ``conv.4``; the convolutions have no bias). The shortcut is
    the identity when the channel counts agree, otherwise a bias-free 1x1
    convolution (``shortcut.*``).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        norm_cfg (dict): Norm layer config (plain BN by default; use
            ``dict(type='SyncBN')`` for multi-GPU runs).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 norm_cfg: ConfigType = dict(type='BN')) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 3, padding=1, bias=False),
            build_norm_layer(norm_cfg, in_channels)[1],
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            build_norm_layer(norm_cfg, out_channels)[1])
        self.shortcut = (
            nn.Identity() if in_channels == out_channels else nn.Conv2d(
                in_channels, out_channels, 1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (Tensor): [B, C_in, H, W]. Returns: [B, C_out, H, W]."""
        return self.conv(x) + self.shortcut(x)
