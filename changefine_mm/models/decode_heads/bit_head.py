"""BITHead: the bitemporal image transformer head.

Chen et al., "Remote Sensing Image Change Detection With Transformers",
TGRS 2021 (Sec. III): each date's feature map is condensed into a few
semantic tokens, a transformer encoder models the tokens of both dates
together, a transformer decoder projects them back onto each date's pixels,
and the absolute difference is classified. Registry name, arguments and
state-dict keys are open-cd's ``BITHead``.
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from changefine_mm.registry import MODELS
from ..utils.bit_transformer import BITDecoderLayer, BITEncoderLayer
from ..utils.scale_upsample import ScaleUpsample

_POOLS = {'max': F.adaptive_max_pool2d, 'avg': F.adaptive_avg_pool2d}


@MODELS.register_module()
class BITHead(BaseDecodeHead):
    """BIT head for a feature map holding date A and date B on channels.

    The input level (``in_index``) has ``2 * in_channels`` channels, e.g.
    the output of ``FeatureFusionNeck(policy='concat')``.

    Args:
        in_channels (int): Channels of one date's feature map.
        channels (int): Token and pixel-feature width after pre-processing.
        embed_dims (int): Attention / feed-forward hidden width.
        enc_depth (int): Transformer encoder layers.
        enc_with_pos (bool): Add a learned position embedding to the tokens.
        dec_depth (int): Transformer decoder layers.
        num_heads (int): Attention heads.
        drop_rate (float): Dropout inside the transformer.
        pool_size (int): Token grid side when ``use_tokenizer`` is False.
        pool_mode (str): 'max' or 'avg' pooling for those tokens.
        use_tokenizer (bool): Learn ``token_len`` spatial-attention tokens
            (True) or pool the map to ``pool_size**2`` tokens (False).
        token_len (int): Tokens per date with the tokenizer.
        pre_upsample (int): Up-sampling factor of the input before the 3x3
            conv.
        upsample_size (int): Up-sampling factor of the difference map
            before classification.
        norm_cfg (dict): Norm of the transformer layers.
        act_cfg (dict): Kept for open-cd compatibility; the convs use
            ConvModule's default ReLU as in open-cd.
        **kwargs: :class:`BaseDecodeHead` arguments (``num_classes``,
            ``align_corners``, ``loss_decode``, ...).
    """

    def __init__(self,
                 in_channels: int = 256,
                 channels: int = 32,
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
                 **kwargs) -> None:
        super().__init__(in_channels, channels, **kwargs)
        # BaseDecodeHead gets no norm_cfg: open-cd's convs here are
        # norm-free; ``norm_cfg`` only configures the transformer.
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.use_tokenizer = use_tokenizer
        if use_tokenizer:
            self.token_len = token_len
            self.conv_att = ConvModule(
                self.channels, token_len, 1, conv_cfg=self.conv_cfg)
        else:
            if pool_mode not in _POOLS:
                raise ValueError(f'pool_mode must be one of {sorted(_POOLS)},'
                                 f' got {pool_mode!r}')
            self.pool_size = pool_size
            self.pool_mode = pool_mode
            self.token_len = pool_size * pool_size
        self.enc_with_pos = enc_with_pos
        if enc_with_pos:
            self.enc_pos_embedding = nn.Parameter(
                torch.randn(1, self.token_len * 2, self.channels))
        # ScaleUpsample resizes as mmseg's Upsample and keeps ONNX graphs
        # valid at any input size.
        self.pre_process = nn.Sequential(
            ScaleUpsample(pre_upsample, mode='bilinear',
                          align_corners=self.align_corners),
            ConvModule(self.in_channels, self.channels, 3, padding=1,
                       conv_cfg=self.conv_cfg))
        layer_args = (self.channels, embed_dims, num_heads, drop_rate,
                      norm_cfg)
        self.encoder = nn.ModuleList(
            BITEncoderLayer(*layer_args) for _ in range(enc_depth))
        self.decoder = nn.ModuleList(
            BITDecoderLayer(*layer_args) for _ in range(dec_depth))
        self.upsample = ScaleUpsample(upsample_size, mode='bilinear',
                                      align_corners=self.align_corners)

    def _tokenize(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) features -> (B, token_len, C) tokens."""
        if self.use_tokenizer:
            attention = F.softmax(self.conv_att(x).flatten(2), dim=-1)
            return torch.einsum('bnp,bcp->bnc', attention, x.flatten(2))
        pooled = _POOLS[self.pool_mode](x, self.pool_size)
        return pooled.flatten(2).transpose(1, 2)

    def _encode_tokens(self, tokens_a: torch.Tensor, tokens_b: torch.Tensor
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Run the encoder over both dates' tokens jointly."""
        tokens = torch.cat([tokens_a, tokens_b], dim=1)
        if self.enc_with_pos:
            tokens = tokens + self.enc_pos_embedding
        for layer in self.encoder:
            tokens = layer(tokens)
        return tokens.chunk(2, dim=1)

    def _decode(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Refine one date's (B, C, H, W) map with its tokens."""
        b, c, h, w = x.shape
        pixels = x.flatten(2).transpose(1, 2)
        for layer in self.decoder:
            pixels = layer(pixels, tokens)
        return pixels.transpose(1, 2).reshape(b, c, h, w)

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Classify the change from the two dates' stacked features.

        Args:
            inputs (sequence[Tensor]): Feature levels; the one picked by
                ``in_index`` is (B, 2 * in_channels, h, w).

        Returns:
            Tensor: Logits (B, num_classes, h * pre_upsample * upsample_size,
            w * pre_upsample * upsample_size).
        """
        x_a, x_b = torch.chunk(self._transform_inputs(inputs), 2, dim=1)
        x_a, x_b = self.pre_process(x_a), self.pre_process(x_b)
        tokens_a, tokens_b = self._encode_tokens(
            self._tokenize(x_a), self._tokenize(x_b))
        diff = torch.abs(
            self._decode(x_a, tokens_a) - self._decode(x_b, tokens_b))
        return self.cls_seg(self.upsample(diff))
