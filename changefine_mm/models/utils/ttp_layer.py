"""The time-fusion encoder layer of Time Travelling Pixels (TTP).

Chen et al., "Time Travelling Pixels: Bitemporal Features Integration with
Foundation Model for Remote Sensing Image Change Detection", IGARSS 2024:
the SAM encoder reads both dates as one batch (date A's images, then date
B's), and after each windowed layer the dates exchange information through
a gated 1x1-conv feed-forward block. open-cd's
``TimeFusionTransformerEncoderLayer``
(opencd/models/utils/ttp_layer.py), with its state-dict names.
"""
import torch
from torch import nn

from changefine_mm.registry import MODELS
from .optional_mmpretrain import TransformerEncoderLayer


@MODELS.register_module()
class TimeFusionTransformerEncoderLayer(TransformerEncoderLayer):
    """mmpretrain's SAM encoder layer followed by bi-temporal fusion.

    As in open-cd, only windowed layers (``window_size > 0``) fuse the
    dates; the global-attention layers are plain SAM layers (open-cd
    marks this choice as a possible mistake but its checkpoints depend on
    it).

    Args:
        embed_dims (int): Feature channels.
        num_heads (int): Attention heads.
        feedforward_channels (int): Hidden channels of the FFN.
        window_size (int): Attention window; 0 means global attention.
        **kwargs: Further arguments of mmpretrain's
            ``vit_sam.TransformerEncoderLayer`` (``drop_rate``,
            ``drop_path_rate``, ``qkv_bias``, ``use_rel_pos``,
            ``input_size``, ``norm_cfg``, ...).
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 window_size: int = 0,
                 **kwargs) -> None:
        super().__init__(embed_dims=embed_dims, num_heads=num_heads,
                         feedforward_channels=feedforward_channels,
                         window_size=window_size, **kwargs)
        if window_size > 0:
            in_channels = 2 * embed_dims
            self.down_channel = nn.Conv2d(in_channels, 1, 1, bias=False)
            # Starts as the mean over both dates' channels.
            self.down_channel.weight.data.fill_(1.0 / in_channels)
            self.soft_ffn = nn.Sequential(
                nn.Conv2d(embed_dims, embed_dims, 1), nn.GELU(),
                nn.Conv2d(embed_dims, embed_dims, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode (2B, H, W, C) tokens, then fuse the dates.

        Args:
            x (Tensor): Date A's B maps followed by date B's.

        Returns:
            Tensor: Same shape.
        """
        x = super().forward(x)
        if self.window_size > 0:
            x = self.fuse_dates(x)
        return x

    def fuse_dates(self, x: torch.Tensor) -> torch.Tensor:
        """Each date adds the other's features, gated by a map computed
        from both; date B reads date A's already fused features.

        Args:
            x (Tensor): (2B, H, W, C), date A first.

        Returns:
            Tensor: (2B, H, W, C).
        """
        x = x.permute(0, 3, 1, 2)
        half = x.size(0) // 2
        x0, x1 = x[:half], x[half:]
        gate = torch.sigmoid(self.down_channel(torch.cat([x0, x1], dim=1)))
        x0 = x0 + self.soft_ffn(x1 * gate)
        x1 = x1 + self.soft_ffn(x0 * gate)
        return torch.cat([x0, x1], dim=0).permute(0, 2, 3, 1)
