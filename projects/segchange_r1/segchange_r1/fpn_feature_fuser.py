"""FPNFeatureFuser and LightweightFPN: multi-scale difference fusion."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS
from .edge_gaussian_aggregation import EdgeGaussianAggregation


@MODELS.register_module()
class FPNFeatureFuser(BaseModule):
    """Bring every scale to the input resolution, concatenate and fuse.

    Official class ``models/neck/fpn.py::FPNFeatureFuser`` (``fpn_type:
    FPN``). Each scale has its own 3x3 conv + GroupNorm + ReLU and is
    upsampled (bilinear, ``align_corners=True``) by its stride, i.e. to the
    input resolution; the concatenation is fused by a 1x1 conv + GroupNorm
    + ReLU and optionally refined by :class:`EdgeGaussianAggregation`.
    The official ``use_token_connector`` option (off by default) is not
    implemented. The official convs keep their bias before GroupNorm,
    which GroupNorm does not cancel (it normalises groups of channels,
    each with its own bias): ``conv_bias=True`` builds them so, as the
    ``segchange_r1_official_*`` configs do; the default ``'auto'`` drops
    them (mmcv's rule for a conv followed by a norm).

    Args:
        in_channels (sequence[int]): Channels of each scale.
        channels (int): Output channels. Defaults to 256.
        feature_strides (sequence[int]): Stride of each scale relative to
            the input. Defaults to (4, 8, 16, 32).
        use_ega (bool): Apply edge-Gaussian aggregation. Defaults to True.
        ega_kernel_size (int): EGA Gaussian size. Defaults to 3.
        ega_sigma (float): EGA Gaussian sigma. Defaults to 1.0.
        norm_cfg (dict): Norm layer. Defaults to GroupNorm with 32 groups.
        conv_bias (bool | str): Bias of the convs followed by the norm
            (mmcv ``ConvModule``'s ``bias``). Defaults to 'auto' (none).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 256,
                 feature_strides: Sequence[int] = (4, 8, 16, 32),
                 use_ega: bool = True,
                 ega_kernel_size: int = 3,
                 ega_sigma: float = 1.0,
                 norm_cfg: dict = dict(type='GN', num_groups=32),
                 conv_bias: Union[bool, str] = 'auto',
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != len(feature_strides):
            raise ValueError(
                f'in_channels {tuple(in_channels)} and feature_strides '
                f'{tuple(feature_strides)} must have the same length')
        self.feature_strides = list(feature_strides)
        self.conv_bias = conv_bias
        self.scale_convs = nn.ModuleList(
            ConvModule(c, channels, kernel_size=3, padding=1,
                       norm_cfg=norm_cfg, bias=conv_bias)
            for c in in_channels)
        self.fusion = self.build_fusion(channels * len(in_channels), channels,
                                        norm_cfg)
        self.ega = EdgeGaussianAggregation(
            channels, ega_kernel_size, ega_sigma) if use_ega else None

    def build_fusion(self, in_channels: int, channels: int,
                     norm_cfg: dict) -> nn.Module:
        """The 1x1 fusion of the concatenated scales."""
        return ConvModule(in_channels, channels, kernel_size=1,
                          norm_cfg=norm_cfg, bias=self.conv_bias)

    def forward(self, feats: List[torch.Tensor]) -> Tuple[torch.Tensor]:
        """Fuse the scales.

        Args:
            feats (list[Tensor]): One (B, C_i, H_i, W_i) map per scale.

        Returns:
            tuple[Tensor]: The (B, channels, H, W) fused map at the input
            resolution (``H = H_0 * feature_strides[0]``).
        """
        if len(feats) != len(self.scale_convs):
            raise ValueError(f'expected {len(self.scale_convs)} scales, got '
                             f'{len(feats)}')
        # Sizes come from the first scale rather than per-scale factors so
        # that inputs not divisible by the coarsest stride still line up.
        size = (feats[0].shape[2] * self.feature_strides[0],
                feats[0].shape[3] * self.feature_strides[0])
        upsampled = [
            F.interpolate(conv(f), size=size, mode='bilinear',
                          align_corners=True)
            for conv, f in zip(self.scale_convs, feats)
        ]
        fused = self.fusion(torch.cat(upsampled, dim=1))
        if self.ega is not None:
            fused = self.ega(fused)
        return (fused, )


@MODELS.register_module()
class LightweightFPN(FPNFeatureFuser):
    """The "L-FPN" of SegChange-R1: the fusion is a bare 1x1 conv.

    Official class ``models/neck/fpn.py::LightweightFPN`` (``fpn_type:
    L-FPN``, the official config's choice). Same arguments as
    :class:`FPNFeatureFuser`.
    """

    def build_fusion(self, in_channels: int, channels: int,
                     norm_cfg: dict) -> nn.Module:
        """A plain 1x1 convolution (no norm, no activation)."""
        return nn.Conv2d(in_channels, channels, kernel_size=1)
