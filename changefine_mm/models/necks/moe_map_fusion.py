"""MoEMapFusion: per-pixel softmax gate over several feature maps."""
from typing import Sequence

import torch
from mmseg.utils import ConfigType
from torch import Tensor, nn

from ..utils.residual_conv_block import ResidualConvBlock


class MoEMapFusion(nn.Module):
    """Mix ``num_maps`` same-size maps with a per-pixel softmax gate, then
    refine with a :class:`ResidualConvBlock`.

    Corresponds to ``embed_feats`` = official ``models/ChangeFine.py::
    MoEConvFusion4Experts`` (keys ``norm``, ``gate.0/2``, ``out_proj.*``):
    one LayerNorm shared by all maps is applied per pixel, the gate is
    ``Linear(num_maps*C -> out) - ReLU - Linear(out -> num_maps)`` on the
    concatenated normalised pixels, and the gated sum goes through the
    residual conv block.

    Args:
        in_channels (int): Channels C of each input map.
        out_channels (int): Output channels (also the gate's hidden width).
        num_maps (int): Number of maps (experts). Defaults to 4.
        norm_cfg (dict): Norm of the residual conv block.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_maps: int = 4,
                 norm_cfg: ConfigType = dict(type='BN')) -> None:
        super().__init__()
        self.num_maps = num_maps
        self.norm = nn.LayerNorm(in_channels)
        self.gate = nn.Sequential(
            nn.Linear(num_maps * in_channels, out_channels),
            nn.ReLU(inplace=True), nn.Linear(out_channels, num_maps))
        self.out_proj = ResidualConvBlock(in_channels, out_channels,
                                          norm_cfg)

    def forward(self, maps: Sequence[Tensor]) -> Tensor:
        """Args:
            maps (Sequence[Tensor]): ``num_maps`` maps [B, C, H, W].

        Returns:
            Tensor: [B, out_channels, H, W].
        """
        if len(maps) != self.num_maps:
            raise ValueError(f'MoEMapFusion expects {self.num_maps} maps, '
                             f'got {len(maps)}')
        experts = torch.stack([self.norm(m.permute(0, 2, 3, 1)) for m in maps],
                              dim=-2)  # [B, H, W, num_maps, C]
        gate = self.gate(experts.flatten(-2)).softmax(dim=-1)
        fused = (gate.unsqueeze(-1) * experts).sum(dim=-2)
        return self.out_proj(fused.permute(0, 3, 1, 2).contiguous())
