"""STAHead: the head of STANet (Chen & Shi, "A Spatial-Temporal
Attention-Based Method and a New Dataset for Remote Sensing Image Change
Detection", Remote Sensing 2020).

open-cd's ``STAHead`` (opencd/models/decode_heads/sta_head.py), with its
state-dict names. Each date's pyramid (the two halves of a concat-fused
Siamese backbone) is projected (``fpn_convs``), upsampled, concatenated
and reduced (``fpn_bottleneck``); the spatial-temporal attention module
(``netA``: 'BAM' basic, 'PAM' pyramid, or 'None') attends over the pixels
of both dates at once; the output is the per-pixel distance between the
two dates' features. Prediction thresholds the distance at
``distance_threshold`` into +-100 logits (changed / unchanged).
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from torch import nn

from changefine_mm.registry import MODELS


def attend(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
           key_channels: int) -> torch.Tensor:
    """Scaled dot-product attention over flattened positions.

    Args:
        query (Tensor): (B, Ck, N).
        key (Tensor): (B, Ck, N).
        value (Tensor): (B, Cv, N).
        key_channels (int): Ck, for the 1/sqrt(Ck) scale.

    Returns:
        Tensor: (B, Cv, N).
    """
    sim = torch.bmm(query.transpose(1, 2), key) * key_channels**-.5
    return torch.bmm(value, sim.softmax(dim=-1).transpose(1, 2))


class BAM(nn.Module):
    """Basic spatial-temporal attention over the (pooled) side-by-side
    dates, added back to the input.

    Args:
        in_dim (int): Channels.
        ds (int): Average-pooling factor before attending. Defaults to 8.
    """

    def __init__(self, in_dim: int, ds: int = 8) -> None:
        super().__init__()
        self.key_channel = in_dim // 8
        self.ds = ds
        self.pool = nn.AvgPool2d(ds)
        self.query_conv = nn.Conv2d(in_dim, in_dim // 8, 1)
        self.key_conv = nn.Conv2d(in_dim, in_dim // 8, 1)
        self.value_conv = nn.Conv2d(in_dim, in_dim, 1)
        # Kept from open-cd's checkpoints; its forward never reads it.
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Attend over all positions of ``x`` (B, C, H, 2W)."""
        pooled = self.pool(x)
        batch, channels, height, width = pooled.shape
        out = attend(self.query_conv(pooled).flatten(2),
                     self.key_conv(pooled).flatten(2),
                     self.value_conv(pooled).flatten(2), self.key_channel)
        out = out.view(batch, channels, height, width)
        return F.interpolate(out, [height * self.ds, width * self.ds]) + x


class PAMBlock(nn.Module):
    """Attention inside each cell of a ``scale`` x ``scale`` grid, over
    the cell's pixels of both dates.

    Args:
        in_channels (int): Input channels.
        key_channels (int): Query/key channels.
        value_channels (int): Value (output) channels.
        scale (int): Grid cells per side.
        ds (int): Average-pooling factor before attending.
    """

    def __init__(self, in_channels: int, key_channels: int,
                 value_channels: int, scale: int, ds: int) -> None:
        super().__init__()
        self.scale = scale
        self.ds = ds
        self.key_channels = key_channels
        self.value_channels = value_channels
        self.pool = nn.AvgPool2d(ds)
        self.f_key = nn.Sequential(
            nn.Conv2d(in_channels, key_channels, 1),
            nn.BatchNorm2d(key_channels))
        self.f_query = nn.Sequential(
            nn.Conv2d(in_channels, key_channels, 1),
            nn.BatchNorm2d(key_channels))
        self.f_value = nn.Conv2d(in_channels, value_channels, 1)

    def to_cells(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, 2W) -> (B * scale^2, C, cell pixels of both dates)."""
        batch, channels, height, double_width = x.shape
        s = self.scale
        x = x.view(batch, channels, s, height // s, 2, s,
                   double_width // (2 * s))
        return x.permute(0, 2, 5, 1, 3, 6, 4).reshape(batch * s * s,
                                                      channels, -1)

    def from_cells(self, x: torch.Tensor, height: int,
                   double_width: int) -> torch.Tensor:
        """Inverse of :meth:`to_cells`."""
        s = self.scale
        x = x.view(-1, s, s, x.size(1), height // s,
                   double_width // (2 * s), 2)
        x = x.permute(0, 3, 1, 4, 6, 2, 5)
        return x.reshape(x.size(0), x.size(1), height, double_width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Context of every pixel of ``x`` (B, C, H, 2W)."""
        if self.ds != 1:
            x = self.pool(x)
        height, double_width = x.shape[2:]
        if height % self.scale or (double_width // 2) % self.scale:
            raise ValueError(
                f'STANet PAM splits features into {self.scale}x{self.scale}'
                f' cells, but they are {height}x{double_width // 2}: use '
                'inputs whose size at stride 4 (times sa_ds) is divisible '
                f'by {self.scale}')
        context = attend(
            self.to_cells(self.f_query(x)), self.to_cells(self.f_key(x)),
            self.to_cells(self.f_value(x)), self.key_channels)
        context = self.from_cells(context, height, double_width)
        if self.ds != 1:
            context = F.interpolate(
                context, [height * self.ds, double_width * self.ds])
        return context


class PAM(nn.Module):
    """Pyramid attention: :class:`PAMBlock` s at several grid scales,
    concatenated and projected.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        sizes (sequence[int]): Grid scales. Defaults to (1, ).
        ds (int): Average-pooling factor before attending. Defaults to 1.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 sizes: Sequence[int] = (1, ),
                 ds: int = 1) -> None:
        super().__init__()
        self.stages = nn.ModuleList([
            PAMBlock(in_channels, out_channels // 8, out_channels, size, ds)
            for size in sizes
        ])
        self.conv_bn = nn.Sequential(
            nn.Conv2d(in_channels * len(sizes), out_channels, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pyramid context of ``x`` (B, C, H, 2W)."""
        return self.conv_bn(torch.cat([stage(x) for stage in self.stages],
                                      dim=1))


class CDSA(nn.Module):
    """Self-attention over both dates placed side by side.

    Args:
        in_c (int): Channels.
        ds (int): Pooling factor of the attention. Defaults to 1.
        mode (str): 'BAM', 'PAM' or 'None'. Defaults to 'BAM'.
    """

    def __init__(self, in_c: int, ds: int = 1, mode: str = 'BAM') -> None:
        super().__init__()
        if mode == 'BAM':
            self.Self_Att = BAM(in_c, ds=ds)
        elif mode == 'PAM':
            self.Self_Att = PAM(in_c, in_c, sizes=(1, 2, 4, 8), ds=ds)
        elif mode == 'None':
            self.Self_Att = nn.Identity()
        else:
            raise ValueError(
                f"sa_mode must be 'BAM', 'PAM' or 'None', got {mode!r}")

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Attend jointly; return the two dates' features."""
        width = x1.shape[3]
        x = self.Self_Att(torch.cat((x1, x2), dim=3))
        return x[..., :width], x[..., width:]


@MODELS.register_module()
class STAHead(BaseDecodeHead):
    """STANet head: per-pixel feature distance of the two dates.

    Args:
        sa_mode (str): Attention module: 'PAM', 'BAM' or 'None'.
        sa_in_channels (int): Channels of the attended features.
        sa_ds (int): Pooling factor of the attention.
        distance_threshold (float): Distance above which a pixel is
            predicted changed.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels`` of one
            date per level, ``in_index``, ``channels``, ``out_channels=1``,
            ``threshold``, ``loss_decode`` ...); ``num_classes`` is 1.
    """

    def __init__(self,
                 sa_mode: str = 'PAM',
                 sa_in_channels: int = 256,
                 sa_ds: int = 1,
                 distance_threshold: float = 1,
                 **kwargs) -> None:
        super().__init__(input_transform='multiple_select', num_classes=1,
                         **kwargs)
        if len(self.in_channels) != len(self.in_index):
            raise ValueError('in_channels and in_index differ in length')
        self.distance_threshold = distance_threshold
        conv_kwargs = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                           act_cfg=self.act_cfg)
        self.fpn_convs = nn.ModuleList([
            ConvModule(channels, self.channels, 1, inplace=False,
                       **conv_kwargs) for channels in self.in_channels
        ])
        self.fpn_bottleneck = nn.Sequential(
            ConvModule(len(self.in_channels) * self.channels,
                       sa_in_channels, 3, padding=1, **conv_kwargs),
            nn.Dropout(0.5),
            ConvModule(sa_in_channels, sa_in_channels, 3, padding=1,
                       **conv_kwargs))
        self.netA = CDSA(sa_in_channels, ds=sa_ds, mode=sa_mode)
        self.calc_dist = nn.PairwiseDistance(keepdim=True)
        # The distance is the output: no classifier.
        self.conv_seg = nn.Identity()

    def base_forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Fuse one date's pyramid at the finest level."""
        outs = [conv(x) for conv, x in zip(self.fpn_convs, inputs)]
        outs = [
            resize(out, size=outs[0].shape[2:], mode='bilinear',
                   align_corners=self.align_corners) for out in outs
        ]
        return self.fpn_bottleneck(torch.cat(outs, dim=1))

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Distance map (B, 1, H, W) at the finest input level.

        Args:
            inputs (list[Tensor]): Concat-fused levels (date A's channels,
                then date B's).

        Returns:
            Tensor: Euclidean distance of the attended features.
        """
        dates = [x.chunk(2, dim=1) for x in self._transform_inputs(inputs)]
        f1 = self.base_forward([a for a, _ in dates])
        f2 = self.base_forward([b for _, b in dates])
        f1, f2 = self.netA(f1, f2)
        dist = self.calc_dist(f1.permute(0, 2, 3, 1), f2.permute(0, 2, 3, 1))
        return dist.permute(0, 3, 1, 2)

    def predict_by_feat(self, seg_logits: torch.Tensor,
                        batch_img_metas: List[dict]) -> torch.Tensor:
        """Logits +100 where the distance exceeds ``distance_threshold``,
        -100 elsewhere, resized to the input.

        Args:
            seg_logits (Tensor): Distances from :meth:`forward`.
            batch_img_metas (list[dict]): Meta information with
                ``img_shape``.

        Returns:
            Tensor: The logits.
        """
        logits = torch.where(seg_logits > self.distance_threshold,
                             100., -100.).to(seg_logits.dtype)
        return resize(logits, size=batch_img_metas[0]['img_shape'],
                      mode='bilinear', align_corners=self.align_corners)
