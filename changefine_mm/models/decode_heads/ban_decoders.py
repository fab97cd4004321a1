"""Change decoders of BAN's bi-temporal adapter branch (open-cd's
``BAN_MLPDecoder`` and ``BAN_BITHead``, with their arguments and
state-dict keys).

Both take the two dates' adapter features separately and return change
logits; :class:`BitemporalAdapterHead` builds them from ``ban_dec_cfg``.
"""
from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.backbones.mit import MixFFN
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw, resize

from changefine_mm.registry import MODELS
from ..utils.bit_transformer import BITDecoderLayer, BITEncoderLayer
from ..utils.scale_upsample import ScaleUpsample
from .bit_head import BITHead


class _Classifier(BaseModule):
    """Dropout then a 1x1 conv, as ``BaseDecodeHead.cls_seg``."""

    def _init_classifier(self, channels: int, num_classes: int,
                         dropout_ratio: float) -> None:
        self.out_channels = num_classes
        self.conv_seg = nn.Conv2d(channels, num_classes, kernel_size=1)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 \
            else None

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        """Classify each pixel."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_seg(feat)


@MODELS.register_module()
class BAN_MLPDecoder(_Classifier):
    """SegFormer-style MLP decoder per date, a Mix-FFN over both dates'
    fused maps, and a 1x1 classifier.

    Args:
        in_channels (list[int]): Channels of each adapter level.
        channels (int): Channels after projection and fusion.
        num_classes (int): Output channels.
        norm_cfg (dict, optional): Norm of the projections.
        dropout_ratio (float): Dropout before the classifier.
        act_cfg (dict): Activation of the projections.
        align_corners (bool): Of the resizing to the finest level.
        interpolate_mode (str): Of the resizing to the finest level.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int,
                 num_classes: int,
                 norm_cfg: dict = None,
                 dropout_ratio: float = 0.1,
                 act_cfg: dict = dict(type='ReLU'),
                 align_corners: bool = False,
                 interpolate_mode: str = 'bilinear') -> None:
        super().__init__()
        self.in_channels = in_channels
        self.channels = channels
        self.align_corners = align_corners
        self.interpolate_mode = interpolate_mode
        self.convs = nn.ModuleList(
            ConvModule(c, channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
            for c in in_channels)
        self.fusion_conv = ConvModule(channels * len(in_channels), channels,
                                      1, norm_cfg=norm_cfg)
        self.discriminator = MixFFN(channels * 2, channels * 2,
                                    act_cfg=dict(type='GELU'))
        self._init_classifier(channels * 2, num_classes, dropout_ratio)

    def _fuse_levels(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Project every level, resize to the finest and fuse."""
        size = inputs[0].shape[2:]
        outs = [
            resize(conv(x), size=size, mode=self.interpolate_mode,
                   align_corners=self.align_corners)
            for conv, x in zip(self.convs, inputs)
        ]
        return self.fusion_conv(torch.cat(outs, dim=1))

    def forward(self, inputs_a: List[torch.Tensor],
                inputs_b: List[torch.Tensor]) -> torch.Tensor:
        """Change logits at the finest level's resolution.

        Args:
            inputs_a (list[Tensor]): Date A's adapter levels.
            inputs_b (list[Tensor]): Date B's adapter levels.

        Returns:
            Tensor: (B, num_classes, H, W) logits.
        """
        out = torch.cat(
            [self._fuse_levels(inputs_a), self._fuse_levels(inputs_b)], 1)
        hw_shape = out.shape[2:]
        out = nlc_to_nchw(self.discriminator(nchw_to_nlc(out), hw_shape),
                          hw_shape)
        return self.cls_seg(out)


@MODELS.register_module()
class BAN_BITHead(_Classifier):
    """BIT's token transformer (see :class:`BITHead`) over the two dates'
    adapter maps given separately.

    Args:
        in_channels (int): Channels of one date's adapter map.
        channels (int): Token and pixel-feature width.
        num_classes (int): Output channels.
        embed_dims (int): Attention / feed-forward hidden width.
        enc_depth (int): Transformer encoder layers.
        enc_with_pos (bool): Learned position embedding of the tokens.
        dec_depth (int): Transformer decoder layers.
        num_heads (int): Attention heads.
        drop_rate (float): Dropout inside the transformer.
        pool_size (int): Token grid side without the tokenizer.
        pool_mode (str): 'max' or 'avg' pooling without the tokenizer.
        use_tokenizer (bool): Learned spatial-attention tokens.
        token_len (int): Tokens per date with the tokenizer.
        pre_upsample (int): Up-sampling before the 3x3 conv.
        upsample_size (int): Up-sampling of the difference map.
        norm_cfg (dict): Norm of the transformer layers.
        act_cfg (dict): Kept for open-cd compatibility (the convs use
            ConvModule's default ReLU, as in open-cd).
        align_corners (bool): Of the up-sampling.
        interpolate_mode (str): Kept for open-cd compatibility (bilinear).
        conv_cfg (dict, optional): Conv layer config.
        dropout_ratio (float): Dropout before the classifier.
    """

    _encode_tokens = BITHead._encode_tokens
    _decode = BITHead._decode

    def __init__(self,
                 in_channels: int = 256,
                 channels: int = 32,
                 num_classes: int = 2,
                 embed_dims: int = 64,
                 enc_depth: int = 1,
                 enc_with_pos: bool = True,
                 dec_depth: int = 8,
                 num_heads: int = 8,
                 drop_rate: float = 0.,
                 pool_size: int = 2,
                 pool_mode: str = 'max',
                 use_tokenizer: bool = True,
                 token_len: int = 4,
                 pre_upsample: int = 2,
                 upsample_size: int = 4,
                 norm_cfg: dict = dict(type='LN'),
                 act_cfg: dict = dict(type='ReLU', inplace=True),
                 align_corners: bool = False,
                 interpolate_mode: str = 'bilinear',
                 conv_cfg: dict = None,
                 dropout_ratio: float = 0.) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.channels = channels
        self.align_corners = align_corners
        self.use_tokenizer = use_tokenizer
        if use_tokenizer:
            self.token_len = token_len
            self.conv_att = ConvModule(channels, token_len, 1,
                                       conv_cfg=conv_cfg)
        else:
            if pool_mode not in ('max', 'avg'):
                raise ValueError("BAN_BITHead: pool_mode must be 'max' or "
                                 f"'avg', got {pool_mode!r}")
            self.pool_size = pool_size
            self.pool_mode = pool_mode
            self.token_len = pool_size * pool_size
        self.enc_with_pos = enc_with_pos
        if enc_with_pos:
            self.enc_pos_embedding = nn.Parameter(
                torch.randn(1, self.token_len * 2, channels))
        self.pre_process = nn.Sequential(
            ScaleUpsample(pre_upsample, mode='bilinear',
                          align_corners=align_corners),
            ConvModule(in_channels, channels, 3, padding=1,
                       conv_cfg=conv_cfg))
        layer_args = (channels, embed_dims, num_heads, drop_rate, norm_cfg)
        self.encoder = nn.ModuleList(
            BITEncoderLayer(*layer_args) for _ in range(enc_depth))
        self.decoder = nn.ModuleList(
            BITDecoderLayer(*layer_args) for _ in range(dec_depth))
        self.upsample = ScaleUpsample(upsample_size, mode='bilinear',
                                      align_corners=align_corners)
        self._init_classifier(channels, num_classes, dropout_ratio)

    def _tokenize(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) features -> (B, token_len, C) tokens."""
        if not self.use_tokenizer:
            return BITHead._tokenize(self, x)
        # A broadcast product summed over pixels, not BITHead's einsum: the
        # summation order of open-cd's BAN_BITHead, which its eight decoder
        # layers amplify beyond 1e-5 otherwise.
        attention = F.softmax(self.conv_att(x).flatten(2), dim=-1)
        return (x.flatten(2).unsqueeze(1) * attention.unsqueeze(2)).sum(-1)

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        """Change logits from the two dates' adapter maps.

        Args:
            x_a (Tensor): (B, in_channels, h, w) date A.
            x_b (Tensor): (B, in_channels, h, w) date B.

        Returns:
            Tensor: (B, num_classes, h * pre_upsample * upsample_size,
            w * pre_upsample * upsample_size) logits.
        """
        x_a, x_b = self.pre_process(x_a), self.pre_process(x_b)
        tokens_a, tokens_b = self._encode_tokens(
            self._tokenize(x_a), self._tokenize(x_b))
        diff = torch.abs(
            self._decode(x_a, tokens_a) - self._decode(x_b, tokens_b))
        return self.cls_seg(self.upsample(diff))
