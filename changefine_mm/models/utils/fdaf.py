"""FDAF: flow dual-alignment fusion of two dates' feature maps.

Fang et al., "Changer: Feature Interaction is What You Need for Change
Detection", TGRS 2023, Sec. III-C. A light conv predicts one 2-D flow per
date from both maps; each date is warped by its flow and the other date is
subtracted, so misregistration between the dates is absorbed before the
comparison. Parameter names follow open-cd's ``FDAF`` (``flow_make.0``,
``flow_make.3``).
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule


class FDAF(BaseModule):
    """Flow dual-alignment fusion.

    Args:
        in_channels (int): Channels of each date's map.
        kernel_size (int): Kernel of the depth-wise flow conv.
    """

    def __init__(self, in_channels: int, kernel_size: int = 5) -> None:
        super().__init__()
        both = in_channels * 2
        # Depth-wise conv -> InstanceNorm (no affine) -> GELU -> 1x1 conv to
        # two (dx, dy) flows, as in open-cd.
        self.flow_make = nn.Sequential(
            nn.Conv2d(both, both, kernel_size, padding=(kernel_size - 1) // 2,
                      groups=both),
            nn.InstanceNorm2d(both),
            nn.GELU(),
            nn.Conv2d(both, 4, 1, bias=False))

    @staticmethod
    def warp(x: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
        """Sample ``x`` at the identity grid shifted by ``flow`` pixels.

        Args:
            x (Tensor): (N, C, H, W) map.
            flow (Tensor): (N, 2, H, W) offsets (x, y). As in open-cd they
                are divided by (W, H) and added to the [-1, 1] sampling
                grid, so a unit offset moves about half a pixel.

        Returns:
            Tensor: The warped map, bilinear, zero outside.
        """
        h, w = x.shape[2:]
        ys = torch.linspace(-1.0, 1.0, h, dtype=x.dtype, device=x.device)
        xs = torch.linspace(-1.0, 1.0, w, dtype=x.dtype, device=x.device)
        grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
        # Divided by the sizes themselves, not by torch.tensor([w, h]):
        # an ONNX trace would freeze that tensor at the export size.
        grid = torch.stack((grid_x + flow[:, 0] / w, grid_y + flow[:, 1] / h),
                           dim=-1)
        return F.grid_sample(x, grid, align_corners=True)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Align each date to the other and take the differences.

        Args:
            x1 (Tensor): Date A map (N, C, H, W).
            x2 (Tensor): Date B map, same shape.

        Returns:
            tuple[Tensor, Tensor]: warp(A) - B and warp(B) - A.
        """
        flow_1, flow_2 = self.flow_make(torch.cat([x1, x2], dim=1)).chunk(
            2, dim=1)
        return self.warp(x1, flow_1) - x2, self.warp(x2, flow_2) - x1
