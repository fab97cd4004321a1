"""DifferencePyramid: CLIPFormer's multi-scale bi-temporal difference maps."""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from changefine_mm.registry import MODELS


def _difference_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    # Official ``conv_diff`` (ChangeFormer): conv-ReLU-BN-conv-ReLU.
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU(),
        nn.BatchNorm2d(out_channels),
        nn.Conv2d(out_channels, out_channels, 3, padding=1), nn.ReLU())


class _ResidualBlock(nn.Module):
    """ChangeFormer's ``ResidualBlock``: x + 0.1 * conv(ReLU(conv(x)))."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.1 * self.conv2(F.relu(self.conv1(x)))


@MODELS.register_module()
class DifferencePyramid(BaseModule):
    """Difference maps of the two dates at every level, coarse to fine.

    CLIPFormer's difference branch (official ``CLIPFormer.get_optimal_dist``,
    after ChangeFormer's decoder). Each level of both dates is embedded to
    ``channels`` by a shared linear layer; the concatenated pair goes
    through a difference conv, and from the coarsest level down each
    difference map adds the up-sampled coarser one. The four maps are also
    resized to the finest, concatenated and fused (1x1 conv + BN), then
    brought to twice that resolution by a transposed conv with residual
    refinement.

    Used as the ``change_cue`` of the package's
    ``TextConditionedChangeDetector``: the per-level maps replace
    ChangeCLIP's cosine gate, and the finer map becomes an extra decoder
    input.

    The official code calls an undefined ``ResidualBlock``; ChangeFormer's
    is used here. Coarser maps are resized to the finer map's size rather
    than by a fixed factor 2 (the same for even sizes).

    Args:
        in_channels (sequence[int]): Channels of each level of one date.
        channels (int): Width of the difference maps. Defaults to 256.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 256) -> None:
        super().__init__()
        self.channels = channels
        self.embeds = nn.ModuleList(
            nn.Linear(c, channels) for c in in_channels)
        self.diffs = nn.ModuleList(
            _difference_conv(2 * channels, channels) for _ in in_channels)
        self.fuse = nn.Sequential(
            nn.Conv2d(len(in_channels) * channels, channels, 1),
            nn.BatchNorm2d(channels))
        self.up = nn.ConvTranspose2d(channels, channels, 2, stride=2)
        self.refine_up = _ResidualBlock(channels)
        self.mix = nn.Conv2d(channels, channels, 1)
        self.refine = _ResidualBlock(channels)

    def _embed(self, level: int, x: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        tokens = self.embeds[level](x.flatten(2).transpose(1, 2))
        return tokens.transpose(1, 2).reshape(batch, -1, height, width)

    def forward(self, feats_a: List[torch.Tensor], feats_b: List[torch.Tensor],
                fused: List[torch.Tensor]
                ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Compute the pyramid.

        Args:
            feats_a (list[Tensor]): Date A's levels, fine to coarse.
            feats_b (list[Tensor]): Date B's levels.
            fused (list[Tensor]): Unused (the cue depends on the dates
                only); part of the change-cue interface.

        Returns:
            tuple[list[Tensor], list[Tensor]]: The difference map of each
            level (fine to coarse) and, as the one extra level, the fused
            map at twice the finest resolution.
        """
        if len(feats_a) != len(self.embeds):
            raise ValueError(f'expected {len(self.embeds)} levels, got '
                             f'{len(feats_a)}')
        diffs: List[torch.Tensor] = [None] * len(feats_a)
        coarser = None
        for level in reversed(range(len(feats_a))):
            pair = torch.cat([
                self._embed(level, feats_a[level]),
                self._embed(level, feats_b[level])
            ], dim=1)
            diff = self.diffs[level](pair)
            if coarser is not None:
                diff = diff + F.interpolate(
                    coarser, size=diff.shape[2:], mode='bilinear',
                    align_corners=False)
            diffs[level] = coarser = diff
        finest = diffs[0].shape[2:]
        merged = self.fuse(
            torch.cat([
                F.interpolate(d, size=finest, mode='bilinear',
                              align_corners=False) for d in reversed(diffs)
            ], dim=1))
        extra = self.refine(self.mix(self.refine_up(self.up(merged))))
        return diffs, [extra]
