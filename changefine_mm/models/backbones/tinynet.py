"""TinyNet: the backbone of TinyCD v2 (open-cd's ``TinyNet``).

open-cd's opencd/models/backbones/tinynet.py, with its state-dict names.
Both dates go through a shared stem conv (``conv1``); a prior-fusion block
(``fusion_block``) refines them with difference-driven channel attention
and fuses them into one map; four MobileNetV2-like stages of
:class:`TinyBlock` (``layer1`` .. ``layer4``), each optionally closed by
an asymmetric strip-conv global attention, encode the fused map.
``output_early_x`` also returns the concatenated dates before fusion,
which :class:`TinyFPN` passes through and ``TinyHead`` uses as a prior.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.models.utils import SELayer, make_divisible
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils import checkpoint

from changefine_mm.registry import MODELS


class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels of (B, C, H, W) maps (mmpretrain's
    ``LN2d``, which open-cd's TinyNet builds by name)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise every pixel's channel vector."""
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape,
                         self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2).contiguous()


class AsymGlobalAttn(BaseModule):
    """Global context from a 1xk and a kx1 depth-wise strip conv, gating
    a value projection, added back with a small learnt layer scale.

    Args:
        dim (int): Channels.
        strip_kernel_size (int): Length k of the strips (odd).
    """

    def __init__(self, dim: int, strip_kernel_size: int = 21) -> None:
        super().__init__()
        half = (strip_kernel_size - 1) // 2
        self.norm = ChannelLayerNorm(dim, eps=1e-6)
        self.global_ = nn.Sequential(
            nn.Conv2d(dim, dim, 1),
            nn.Conv2d(dim, dim, (1, strip_kernel_size), padding=(0, half),
                      groups=dim),
            nn.Conv2d(dim, dim, (strip_kernel_size, 1), padding=(half, 0),
                      groups=dim))
        self.v = nn.Conv2d(dim, dim, 1)
        self.proj = nn.Conv2d(dim, dim, 1)
        self.layer_scale = nn.Parameter(1e-6 * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x + layer_scale * norm(proj(global(x) * v(x)))``."""
        out = self.norm(self.proj(self.global_(x) * self.v(x)))
        return self.layer_scale[:, None, None] * out + x


class PriorAttention(BaseModule):
    """Channel attention of each date from the pooled date difference.

    Args:
        channels (int): Channels of each date.
        num_paths (int): Dates; only 2 is supported. Defaults to 2.
        attn_channels (int, optional): Hidden channels (at least 8).
            Defaults to ``channels // 16``.
        act_cfg (dict): Hidden activation. Defaults to ReLU.
        norm_cfg (dict): Hidden norm. Defaults to BN.
    """

    def __init__(self,
                 channels: int,
                 num_paths: int = 2,
                 attn_channels: Optional[int] = None,
                 act_cfg: dict = dict(type='ReLU'),
                 norm_cfg: dict = dict(type='BN', requires_grad=True)):
        super().__init__()
        if num_paths != 2:
            raise ValueError(f'PriorAttention takes 2 dates, not {num_paths}')
        self.num_paths = num_paths
        attn_channels = max(attn_channels or channels // 16, 8)
        self.fc_reduce = nn.Conv2d(channels, attn_channels, 1, bias=False)
        self.bn = build_norm_layer(norm_cfg, attn_channels)[1]
        self.act = build_activation_layer(act_cfg)
        self.fc_select = nn.Conv2d(attn_channels, channels * num_paths, 1,
                                   bias=False)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Re-weight both dates: ``x * (1 + sigmoid(attention))``."""
        attn = (x1 - x2).abs().mean((2, 3), keepdim=True)
        attn = self.fc_select(self.act(self.bn(self.fc_reduce(attn))))
        # Sigmoid per date, as open-cd: SIMD rounding depends on the
        # tensor length.
        attn1, attn2 = attn.chunk(self.num_paths, dim=1)
        return x1 * attn1.sigmoid() + x1, x2 * attn2.sigmoid() + x2


def inverted_residual_layers(in_channels: int, expand_ratio: float,
                             stride: int, dilation: int,
                             conv_kwargs: dict) -> list:
    """Expansion (unless ``expand_ratio`` is 1) and depth-wise convs."""
    hidden = int(round(in_channels * expand_ratio))
    layers = []
    if expand_ratio != 1:
        layers.append(ConvModule(in_channels, hidden, 1, **conv_kwargs))
    layers.append(
        ConvModule(hidden, hidden, 3, stride=stride, padding=dilation,
                   dilation=dilation, groups=hidden, **conv_kwargs))
    return layers


class StemBlock(BaseModule):
    """Inverted residual over both dates with :class:`PriorAttention`
    between the depth-wise and the projecting conv.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Depth-wise conv stride (1 or 2).
        expand_ratio (float): Hidden channels / ``in_channels``.
        dilation (int): Depth-wise conv dilation. Defaults to 1.
        conv_cfg (dict, optional): Conv layer config.
        norm_cfg (dict): Norm config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU6.
        with_cp (bool): Unused (open-cd's signature). Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 expand_ratio: float,
                 dilation: int = 1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 with_cp: bool = False) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'stride must be 1 or 2, got {stride}')
        self.use_res_connect = stride == 1 and in_channels == out_channels
        hidden = int(round(in_channels * expand_ratio))
        kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv = nn.Sequential(*inverted_residual_layers(
            in_channels, expand_ratio, stride, dilation, kwargs))
        self.interact = PriorAttention(channels=hidden)
        self.post_conv = ConvModule(hidden, out_channels, 1,
                                    **dict(kwargs, act_cfg=None))

    def forward(self, dates: Tuple[torch.Tensor, torch.Tensor]
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Encode both dates of ``dates`` together."""
        x1, x2 = self.interact(self.conv(dates[0]), self.conv(dates[1]))
        x1, x2 = self.post_conv(x1), self.post_conv(x2)
        if self.use_res_connect:
            x1, x2 = x1 + dates[0], x2 + dates[1]
        return x1, x2


class PriorFusion(BaseModule):
    """Stacked :class:`StemBlock` s with a residual, then a depth-wise
    fusion of the concatenated dates into one map.

    Args:
        channels (int): Channels of each date.
        stack_nums (int): Stem blocks. Defaults to 2.
    """

    def __init__(self, channels: int, stack_nums: int = 2) -> None:
        super().__init__()
        self.stem = nn.Sequential(*[
            StemBlock(channels, channels, stride=1, expand_ratio=4)
            for _ in range(stack_nums)
        ])
        self.pseudo_fusion = nn.Sequential(
            nn.Conv2d(channels * 2, channels * 2, 3, padding=1,
                      groups=channels * 2),
            ChannelLayerNorm(channels * 2, eps=1e-6), nn.GELU(),
            nn.Conv2d(channels * 2, channels, 3, padding=1, groups=channels))

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns ``(cat(date A, date B), fused map)``."""
        y1, y2 = self.stem((x1, x2))
        early_x = torch.cat([y1 + x1, y2 + x2], dim=1)
        return early_x, self.pseudo_fusion(early_x)


class TinyBlock(BaseModule):
    """MobileNetV2 inverted residual with an optional SE layer between the
    depth-wise and the projecting conv (always a ``conv`` entry, an
    ``nn.Identity`` without SE, so the projection's index is fixed).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Depth-wise conv stride (1 or 2).
        expand_ratio (float): Hidden channels / ``in_channels``.
        dilation (int): Depth-wise conv dilation. Defaults to 1.
        conv_cfg (dict, optional): Conv layer config.
        norm_cfg (dict): Norm config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU6.
        with_cp (bool): Gradient checkpointing. Defaults to False.
        with_se (bool): Add an SE layer. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 expand_ratio: float,
                 dilation: int = 1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 with_cp: bool = False,
                 with_se: bool = False) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'stride must be 1 or 2, got {stride}')
        self.with_cp = with_cp
        self.use_res_connect = stride == 1 and in_channels == out_channels
        hidden = int(round(in_channels * expand_ratio))
        kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv = nn.Sequential(
            *inverted_residual_layers(in_channels, expand_ratio, stride,
                                      dilation, kwargs),
            SELayer(hidden) if with_se else nn.Identity(),
            ConvModule(hidden, out_channels, 1, **dict(kwargs,
                                                       act_cfg=None)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block (with the residual when shapes allow)."""

        def inner(x: torch.Tensor) -> torch.Tensor:
            return x + self.conv(x) if self.use_res_connect else self.conv(x)

        if self.with_cp and x.requires_grad:
            return checkpoint.checkpoint(inner, x, use_reentrant=False)
        return inner(x)


@MODELS.register_module()
class TinyNet(BaseModule):
    """TinyCD v2 backbone (dual input: ``forward(x1, x2)``).

    Args:
        output_early_x (bool): Prepend the concatenated dates before
            fusion to the outputs. Defaults to False.
        arch (str): 'S', 'B' or 'L' (stage widths and depths).
        stem_stack_nums (int): Stem blocks of the prior fusion.
        use_global (sequence[bool]): Asymmetric global attention after each
            stage.
        strip_kernel_size (sequence[int]): Its strip length per stage.
        widen_factor (float): Width multiplier.
        strides (sequence[int]): First-block stride per stage.
        dilations (sequence[int]): First-block dilation per stage.
        out_indices (sequence[int]): Stages to output (0-3).
        frozen_stages (int): Freeze the stem and stages up to this one;
            -1 freezes nothing.
        conv_cfg (dict, optional): Conv layer config.
        norm_cfg (dict): Norm config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU6.
        norm_eval (bool): Keep BN statistics frozen in training.
        with_cp (bool): Gradient checkpointing in the stages.
        pretrained (str, optional): Deprecated; a checkpoint path.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    # expand ratio, channels, blocks of each stage
    arch_settings = {
        'S': [[4, 16, 2], [6, 24, 2], [6, 32, 3], [6, 48, 1]],
        'B': [[4, 16, 2], [6, 24, 2], [6, 32, 3], [6, 48, 1]],
        'L': [[4, 16, 2], [6, 24, 2], [6, 32, 6], [6, 48, 1]],
    }

    def __init__(self,
                 output_early_x: bool = False,
                 arch: str = 'B',
                 stem_stack_nums: int = 2,
                 use_global: Sequence[bool] = (True, True, True, True),
                 strip_kernel_size: Sequence[int] = (41, 31, 21, 11),
                 widen_factor: float = 1.,
                 strides: Sequence[int] = (1, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 pretrained: Optional[str] = None,
                 init_cfg=None) -> None:
        if pretrained is not None and init_cfg is not None:
            raise ValueError('set pretrained or init_cfg, not both')
        if pretrained is not None:
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        elif init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
            ]
        super().__init__(init_cfg)
        if arch not in self.arch_settings:
            raise ValueError(f'arch must be one of '
                             f'{sorted(self.arch_settings)}, got {arch!r}')
        settings = self.arch_settings[arch]
        if not len(strides) == len(dilations) == len(settings):
            raise ValueError(f'strides and dilations need {len(settings)} '
                             'entries, one per stage')
        if any(i not in range(len(settings)) for i in out_indices):
            raise ValueError(f'out_indices must be in 0..{len(settings) - 1}'
                             f', got {out_indices}')
        if frozen_stages not in range(-1, len(settings) + 1):
            raise ValueError(f'frozen_stages must be in -1..{len(settings)}'
                             f', got {frozen_stages}')
        self.output_early_x = output_early_x
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        channels = make_divisible(16 * widen_factor, 8)
        self.conv1 = ConvModule(3, channels, 3, stride=2, padding=1,
                                **kwargs)
        self.fusion_block = PriorFusion(channels, stem_stack_nums)
        self.layers = []
        for i, (expand_ratio, width, blocks) in enumerate(settings):
            out_channels = make_divisible(width * widen_factor, 8)
            stage = [
                TinyBlock(channels if j == 0 else out_channels,
                          out_channels,
                          strides[i] if j == 0 else 1,
                          expand_ratio=expand_ratio,
                          dilation=dilations[i] if j == 0 else 1,
                          with_cp=with_cp,
                          **kwargs) for j in range(blocks)
            ]
            if use_global[i]:
                stage.append(AsymGlobalAttn(out_channels,
                                            strip_kernel_size[i]))
            self.add_module(f'layer{i + 1}', nn.Sequential(*stage))
            self.layers.append(f'layer{i + 1}')
            channels = out_channels

    def forward(self, x1: torch.Tensor, x2: torch.Tensor):
        """Encode the pair.

        Args:
            x1 (Tensor): Date A, (B, 3, H, W).
            x2 (Tensor): Date B.

        Returns:
            Tensor | tuple[Tensor]: The early (concatenated) dates when
            ``output_early_x``, then the selected stages; a lone tensor
            when that is one map.
        """
        early_x, x = self.fusion_block(self.conv1(x1), self.conv1(x2))
        outs = [early_x] if self.output_early_x else []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            self.conv1.requires_grad_(False)
        for i in range(1, self.frozen_stages + 1):
            layer = getattr(self, f'layer{i}')
            layer.eval()
            layer.requires_grad_(False)

    def train(self, mode: bool = True) -> 'TinyNet':
        """Train mode, keeping frozen stages (and BN with ``norm_eval``)
        in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
