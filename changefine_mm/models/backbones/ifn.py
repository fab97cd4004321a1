"""IFN: the deeply supervised image fusion network (Zhang et al., ISPRS
J. 2020).

open-cd's ``IFN`` backbone (opencd/models/backbones/ifn.py, from
github.com/GeoZcx/A-deeply-supervised-image-fusion-network-for-change-
detection-in-remote-sensing-images), with its state-dict names: a frozen
VGG-16 (``encoder1``, the same module as ``encoder2``) picks five levels
of each date; a decoder fuses them from the deepest level up, with channel
attention (``ca*``) on the concatenated skips, three conv-PReLU-BN blocks
(``o*_conv*``), spatial attention (``sa*``) and a 1-channel side output
per level, the last one at the input size.
"""
from typing import List, Sequence, Tuple, Union

import torch
from torch import nn

from changefine_mm.registry import MODELS
from ..utils.torchvision_features import torchvision_features

# VGG-16 ``features`` indices whose outputs (after ReLU) are picked:
# 64, 128, 256, 512 and 512 channels at strides 1, 2, 4, 8 and 16.
PICKED = (3, 8, 15, 22, 29)
# Decoder levels, deepest first: input channels, conv output channels.
LEVELS = ((1024, (512, 512)), (1536, (512, 256, 256)),
          (768, (256, 128, 128)), (384, (128, 64, 64)), (192, (64, 32, 16)))


class BasicConv(nn.Module):
    """Zero padding (for k > 1), a conv and an optional ReLU (open-cd's
    ``BasicConv`` without norm).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel size.
        bias (bool): Conv bias. Defaults to True.
        act (bool): End with a ReLU. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 bias: bool = True,
                 act: bool = False) -> None:
        super().__init__()
        layers = [nn.ZeroPad2d(kernel_size // 2)] if kernel_size > 1 else []
        layers.append(
            nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias))
        if act:
            layers.append(nn.ReLU())
        self.seq = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layers."""
        return self.seq(x)


class ChannelAttention(nn.Module):
    """Sigmoid gate from a shared MLP on average- and max-pooled features.

    Args:
        in_ch (int): Channels.
        ratio (int): Hidden reduction. Defaults to 8.
    """

    def __init__(self, in_ch: int, ratio: int = 8) -> None:
        super().__init__()
        self.fc1 = BasicConv(in_ch, in_ch // ratio, 1, bias=False, act=True)
        self.fc2 = BasicConv(in_ch // ratio, in_ch, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Channel weights (B, C, 1, 1) in (0, 1)."""
        avg = self.fc2(self.fc1(x.mean((2, 3), keepdim=True)))
        peak = self.fc2(self.fc1(x.amax((2, 3), keepdim=True)))
        return torch.sigmoid(avg + peak)


class SpatialAttention(nn.Module):
    """Sigmoid gate from a 7x7 conv on channel mean and max maps."""

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        self.conv = BasicConv(2, 1, kernel_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pixel weights (B, 1, H, W) in (0, 1)."""
        pooled = torch.cat(
            [x.mean(1, keepdim=True), x.amax(1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(pooled))


class VGG16FeaturePicker(nn.Module):
    """VGG-16 layers 0-29, returning the outputs of layers ``indices``.

    Args:
        pretrained (bool | str, optional): See
            :func:`torchvision_features`.
        indices (sequence[int]): Layers whose outputs are returned.
    """

    def __init__(self,
                 pretrained: Union[bool, str, None] = True,
                 indices: Sequence[int] = PICKED) -> None:
        super().__init__()
        trunk = torchvision_features('vgg16', pretrained)
        self.features = nn.ModuleList(list(trunk)[:max(indices) + 1])
        self.indices = set(indices)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The picked feature maps, shallowest first."""
        picked = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.indices:
                picked.append(x)
        return picked


def conv_prelu_bn(in_channels: int, out_channels: int,
                  dropout: bool) -> nn.Sequential:
    """3x3 conv, PReLU, BN and (optionally) dropout 0.6."""
    layers = [
        nn.Conv2d(in_channels, out_channels, 3, padding=1),
        nn.PReLU(),
        nn.BatchNorm2d(out_channels)
    ]
    if dropout:
        layers.append(nn.Dropout(p=0.6))
    return nn.Sequential(*layers)


@MODELS.register_module()
class IFN(nn.Module):
    """IFN change detector backbone; outputs five 1-channel side outputs,
    coarsest first (strides 16, 8, 4, 2, 1), supervised by open-cd's
    config through a ``DSIdentityHead`` and predicted from the last.

    Args:
        use_dropout (bool): Dropout 0.6 after each decoder conv. Defaults
            to False.
        pretrained (bool | str, optional): ImageNet weights of the frozen
            VGG-16: ``True`` (open-cd's only behaviour) for torchvision's,
            downloaded once into its cache; a local torchvision vgg16
            checkpoint path; or ``None``/``False`` (e.g. before loading a
            full IFN checkpoint). Defaults to True.
    """

    def __init__(self,
                 use_dropout: bool = False,
                 pretrained: Union[bool, str, None] = True) -> None:
        super().__init__()
        # One frozen encoder under both of open-cd's names.
        self.encoder1 = self.encoder2 = VGG16FeaturePicker(pretrained)
        for i in range(1, 6):
            self.add_module(f'sa{i}', SpatialAttention())
        for i, (in_channels, widths) in enumerate(LEVELS, start=1):
            self.add_module(f'ca{i}', ChannelAttention(in_channels))
            if i <= 2:  # built by open-cd but never used
                self.add_module(f'bn_ca{i}', nn.BatchNorm2d(in_channels))
            for j, (cin, cout) in enumerate(
                    zip((in_channels, ) + widths[:-1], widths), start=1):
                self.add_module(f'o{i}_conv{j}',
                                conv_prelu_bn(cin, cout, use_dropout))
            self.add_module(f'bn_sa{i}', nn.BatchNorm2d(widths[-1]))
            self.add_module(f'o{i}_conv{len(widths) + 1}',
                            BasicConv(widths[-1], 1, 1))
            if i < len(LEVELS):
                self.add_module(
                    f'trans_conv{i}',
                    nn.ConvTranspose2d(widths[-1], widths[-1], 2, stride=2))

    def decode_level(self, level: int,
                     x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """One decoder level: features and side output."""
        if level > 1:
            x = getattr(self, f'ca{level}')(x) * x
        depth = len(LEVELS[level - 1][1])
        for j in range(1, depth + 1):
            x = getattr(self, f'o{level}_conv{j}')(x)
        x = getattr(self, f'sa{level}')(x) * x
        x = getattr(self, f'bn_sa{level}')(x)
        return x, getattr(self, f'o{level}_conv{depth + 1}')(x)

    def forward(self, t1: torch.Tensor,
                t2: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Side outputs of the pair.

        Args:
            t1 (Tensor): Date A, (B, 3, H, W), H and W divisible by 16.
            t2 (Tensor): Date B.

        Returns:
            tuple[Tensor]: Five (B, 1, H / s, W / s) logits, s = 16 .. 1.
        """
        # The encoder stays a frozen ImageNet feature extractor.
        self.encoder1.eval()
        with torch.no_grad():
            feats1, feats2 = self.encoder1(t1), self.encoder1(t2)
        x = torch.cat([feats1[-1], feats2[-1]], dim=1)
        outs = []
        for level in range(1, len(LEVELS) + 1):
            if level > 1:
                up = getattr(self, f'trans_conv{level - 1}')(x)
                x = torch.cat([up, feats1[-level], feats2[-level]], dim=1)
            x, out = self.decode_level(level, x)
            outs.append(out)
        return tuple(outs)
