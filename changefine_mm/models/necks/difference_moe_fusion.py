"""DifferenceMoEFusion: gated mixture of four bi-temporal experts."""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmseg.utils import ConfigType
from torch import Tensor, nn

from ..utils.mlp import Mlp

NUM_EXPERTS = 4


class DifferenceMoEFusion(nn.Module):
    """Fuse two dates' tokens with a per-token softmax gate over four
    experts: ``x1``, ``x2``, ``d = conv3x3-BN-ReLU-Dropout2d(x1 - x2)`` and
    ``|d|``; the mixture is scaled by ``1 + sigmoid(1 - cos(x1, x2))`` and
    projected by an Mlp.

    Corresponds to ``moe`` = official ``MoEFeatureFusion`` inside
    ``Cross_Modal_Attention`` (keys ``minus_proj_conv.0/1``, ``gate.0/2``,
    ``out_proj.fc1/fc2``). Note the fourth expert is ``|d|`` of the
    convolved difference, as in the official code, not ``|x1 - x2|``.

    Args:
        dim (int): Token channels C.
        mlp_ratio (float): Hidden ratio of ``out_proj``.
        drop (float): Rate of the Dropout2d and of the ``out_proj`` Mlp.
        drop_mode (str): Mlp regulariser, 'path' (official) or 'element'.
        norm_cfg (dict): Norm of the difference convolution.
    """

    def __init__(self,
                 dim: int,
                 mlp_ratio: float = 4.,
                 drop: float = 0.,
                 drop_mode: str = 'path',
                 norm_cfg: ConfigType = dict(type='BN')) -> None:
        super().__init__()
        self.minus_proj_conv = nn.Sequential(
            nn.Conv2d(dim, dim, 3, padding=1),
            build_norm_layer(norm_cfg, dim)[1], nn.ReLU(inplace=True),
            nn.Dropout2d(drop))
        self.gate = nn.Sequential(
            nn.Linear(NUM_EXPERTS * dim, dim), nn.ReLU(inplace=True),
            nn.Linear(dim, NUM_EXPERTS))
        self.out_proj = Mlp(dim, int(dim * mlp_ratio), dim, drop, drop_mode)

    def forward(self, x1: Tensor, x2: Tensor, grid: Tuple[int, int]) -> Tensor:
        """Args:
            x1 (Tensor): [B, N, C] date-1 tokens (already normalised).
            x2 (Tensor): [B, N, C] date-2 tokens (already normalised).
            grid (tuple[int, int]): (height, width) of the token grid.

        Returns:
            Tensor: [B, N, C] fused tokens.
        """
        batch, _, channels = x1.shape
        diff_map = (x1 - x2).transpose(1, 2).reshape(batch, channels, *grid)
        diff = self.minus_proj_conv(diff_map).flatten(2).transpose(1, 2)
        experts = torch.stack((x1, x2, diff, diff.abs()), dim=-2)
        gate = self.gate(experts.flatten(-2)).softmax(dim=-1)
        fused = (gate.unsqueeze(-1) * experts).sum(dim=-2)
        change = torch.sigmoid(1 - F.cosine_similarity(x1, x2, dim=-1))
        return self.out_proj(fused * (1 + change.unsqueeze(-1)))
