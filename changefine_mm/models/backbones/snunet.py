"""SNUNet-CD with the ensemble channel attention module (ECAM).

Fang et al., "SNUNet-CD: A Densely Connected Siamese Network for Change
Detection of VHR Images", IEEE GRSL 2021: a Siamese UNet++ encoder whose
nested decoder nodes see both dates, and ECAM (Sec. II-C) re-weighting the
four full-resolution decoder outputs. Module and parameter names follow
open-cd's ``SNUNet_ECAM`` (``conv0_0``, ``Up1_0``, ..., ``ca``, ``ca1``)
so its checkpoints load with ``strict=True``. As in open-cd (and the
authors' code), the nested nodes up-sample date B's encoder features, and
the unused deepest encoder level of date A is not computed.
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS

_DEPTH = 5  # encoder levels of UNet++


class _NestedBlock(nn.Module):
    """Two 3x3 conv+BN units with a residual from the first conv's output.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Middle and output channels.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = self.conv1(x)
        x = self.bn2(self.conv2(F.relu(self.bn1(identity))))
        return F.relu(x + identity)


class _Up(nn.Module):
    """2x up-sampling by a learned transposed conv (open-cd's ``up``)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(channels, channels, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up(x)


class _ChannelAttention(nn.Module):
    """CBAM-style channel attention: shared MLP on avg- and max-pooled maps.

    Args:
        channels (int): Input channels.
        ratio (int): Channel reduction of the hidden layer.
    """

    def __init__(self, channels: int, ratio: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // ratio, 1, bias=False)
        self.fc2 = nn.Conv2d(channels // ratio, channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        def mlp(pooled: torch.Tensor) -> torch.Tensor:
            return self.fc2(F.relu(self.fc1(pooled)))

        return torch.sigmoid(
            mlp(F.adaptive_avg_pool2d(x, 1)) +
            mlp(F.adaptive_max_pool2d(x, 1)))


@MODELS.register_module()
class SNUNet_ECAM(BaseModule):
    """SNUNet-CD + ECAM as a dual-input backbone (open-cd's name).

    Node ``X^{i,j}`` (level i, column j) is ``conv{i}_{j}``; column 0 is the
    shared encoder, column j>0 concatenates both dates' encoder features,
    the earlier nodes of its level and the up-sampled node ``X^{i+1,j-1}``.

    Args:
        in_channels (int): Channels of one date (3 for RGB).
        base_channel (int): Width of level 0; level i has
            ``base_channel * 2**i``. The output has ``4 * base_channel``.
        init_cfg (dict | list[dict], optional): mmengine initialisation.
            Without one, :meth:`init_weights` applies the authors' scheme.
    """

    def __init__(self,
                 in_channels: int,
                 base_channel: int = 32,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        widths = [base_channel * 2**i for i in range(_DEPTH)]
        self._build_nodes(in_channels, widths)
        self.ca = _ChannelAttention(widths[0] * 4, ratio=16)
        self.ca1 = _ChannelAttention(widths[0], ratio=16 // 4)

    def init_weights(self) -> None:
        """Kaiming-normal (fan_out) 2-D conv weights, as the authors do.

        Conv biases, transposed convs and BatchNorms keep PyTorch's
        defaults, like open-cd. A given ``init_cfg`` is used instead.
        """
        if self.init_cfg is not None:
            super().init_weights()
            return
        for module in self.modules():
            if type(module) is nn.Conv2d:
                nn.init.kaiming_normal_(
                    module.weight, mode='fan_out', nonlinearity='relu')

    def _build_nodes(self, in_channels: int, widths: List[int]) -> None:
        """Create the nodes in open-cd's order, which fixes the key order."""
        for level in range(_DEPTH):
            width_in = in_channels if level == 0 else widths[level - 1]
            self.add_module(f'conv{level}_0',
                            _NestedBlock(width_in, widths[level]))
            if level > 0:
                self.add_module(f'Up{level}_0', _Up(widths[level]))
        for column in range(1, _DEPTH):
            for level in range(_DEPTH - column):
                inputs = widths[level] * (column + 1) + widths[level + 1]
                self.add_module(f'conv{level}_{column}',
                                _NestedBlock(inputs, widths[level]))
                if level > 0:
                    self.add_module(f'Up{level}_{column}',
                                    _Up(widths[level]))

    def _encode(self, x: torch.Tensor, levels: int) -> List[torch.Tensor]:
        """Encoder nodes X^{0,0} .. X^{levels-1,0} of one date."""
        feats = [self.conv0_0(x)]
        for level in range(1, levels):
            feats.append(getattr(self, f'conv{level}_0')(
                F.max_pool2d(feats[-1], kernel_size=2, stride=2)))
        return feats

    def _nested_decode(self, feats_a: List[torch.Tensor],
                       feats_b: List[torch.Tensor]) -> List[torch.Tensor]:
        """Compute the nested nodes; return the top row X^{0,1..4}."""
        nodes: Dict[Tuple[int, int], torch.Tensor] = {}
        # Node (level, column) needs (level + 1, column - 1): walk the
        # anti-diagonals, deepest node first.
        for diagonal in range(1, _DEPTH):
            for level in range(diagonal - 1, -1, -1):
                column = diagonal - level
                below = (feats_b[level + 1] if column == 1 else
                         nodes[(level + 1, column - 1)])
                parts = [feats_a[level], feats_b[level]]
                parts += [nodes[(level, j)] for j in range(1, column)]
                parts.append(getattr(self, f'Up{level + 1}_{column - 1}')(
                    below))
                nodes[(level, column)] = getattr(
                    self, f'conv{level}_{column}')(torch.cat(parts, dim=1))
        return [nodes[(0, j)] for j in range(1, _DEPTH)]

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor]:
        """Run both dates through the nested UNet and ECAM.

        Args:
            x1 (Tensor): Date A images (N, C, H, W), H and W divisible by 16.
            x2 (Tensor): Date B images, same shape.

        Returns:
            tuple[Tensor]: One (N, 4 * base_channel, H, W) map.
        """
        stride = 2**(_DEPTH - 1)
        if x1.size(2) % stride or x1.size(3) % stride:
            raise ValueError(
                f'SNUNet_ECAM needs H and W divisible by {stride}, got '
                f'{tuple(x1.shape[2:])}; pad the inputs (e.g. the data '
                'preprocessor\'s size_divisor=32)')
        top = self._nested_decode(
            self._encode(x1, _DEPTH - 1), self._encode(x2, _DEPTH))
        # ECAM: intra-group attention over the sum of the four outputs is
        # added to each; inter-group attention re-weights the concatenation.
        out = torch.cat(top, dim=1)
        intra = self.ca1(torch.stack(top).sum(dim=0))
        return (self.ca(out) * (out + intra.repeat(1, len(top), 1, 1)), )
