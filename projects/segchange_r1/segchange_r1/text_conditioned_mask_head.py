"""TextConditionedMaskHead: SegChange-R1's mask decoder."""
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from changefine_mm.registry import MODELS
from .d_projector import DProjector

TextEmbedding = Tuple[torch.Tensor, Optional[torch.Tensor]]


@MODELS.register_module()
class TextConditionedMaskHead(BaseDecodeHead):
    """Mask decoder driven by the description of the wanted changes.

    Paper section 3.4 (mask decoder); official class
    ``models/masks/mask.py::MaskHead``. On the fused map ``F``:

    1. :class:`DProjector` turns the description into a query vector ``q``;
    2. ``num_queries`` learned queries go through a transformer decoder
       (self-attention, cross-attention to the pixels of ``F``, FFN; post
       norm, as torch's ``TransformerDecoderLayer``) and are averaged into
       ``o``;
    3. ``F`` is reweighted by ``channel_gate(F) + q`` (channel attention
       plus the text query) and concatenated with ``o`` broadcast over the
       map;
    4. a 1x1 conv (to ``in_channels // 2``) and a 3x3 conv (to
       ``channels``), each with GroupNorm + ReLU, precede ``conv_seg``.

    Inputs are ``(features, (text, text_mask))``; the segmentor
    (:class:`SegChangeR1`) encodes the prompts. The official mode of the
    D-Projector (see :class:`DProjector`) and ``conv_bias=True`` (the
    official mask convs keep their bias before GroupNorm) give the released
    head; the ``segchange_r1_official_*`` configs set both.

    Args:
        text_channels (int): Width of the text embeddings.
        num_queries (int): Learned decoder queries. Defaults to 5.
        num_heads (int): Attention heads. Defaults to 8.
        num_decoder_layers (int): Defaults to 2.
        feedforward_channels (int): Decoder FFN width. Defaults to 2048.
        decoder_dropout (float): Decoder dropout. Defaults to 0.1.
        gate_ratio (int): Reduction of the channel gate. Defaults to 8.
        projector_mode (str): :class:`DProjector` mode. Defaults to
            'masked'.
        conv_bias (bool | str): Bias of the two convs before GroupNorm
            (mmcv ``ConvModule``'s ``bias``). Defaults to 'auto' (none).
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels``,
            ``channels``, ``num_classes``, ``out_channels``, ``threshold``,
            ``norm_cfg``, ``loss_decode``, ...).
    """

    def __init__(self,
                 text_channels: int,
                 num_queries: int = 5,
                 num_heads: int = 8,
                 num_decoder_layers: int = 2,
                 feedforward_channels: int = 2048,
                 decoder_dropout: float = 0.1,
                 gate_ratio: int = 8,
                 projector_mode: str = 'masked',
                 conv_bias: Union[bool, str] = 'auto',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        width = self.in_channels
        self.projector = DProjector(width, text_channels, num_heads,
                                    mode=projector_mode)
        self.query_embed = nn.Embedding(num_queries, width)
        self.decoder = nn.TransformerDecoder(
            nn.TransformerDecoderLayer(
                width, num_heads, dim_feedforward=feedforward_channels,
                dropout=decoder_dropout, batch_first=True),
            num_layers=num_decoder_layers)
        self.channel_gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(width, width // gate_ratio, kernel_size=1), nn.ReLU(),
            nn.Conv2d(width // gate_ratio, width, kernel_size=1),
            nn.Sigmoid())
        self.mask_convs = nn.Sequential(
            ConvModule(2 * width, width // 2, kernel_size=1,
                       norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                       bias=conv_bias),
            ConvModule(width // 2, self.channels, kernel_size=3, padding=1,
                       norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                       bias=conv_bias))

    def forward(self, inputs: Tuple[List[torch.Tensor], TextEmbedding]
                ) -> torch.Tensor:
        """Mask logits.

        Args:
            inputs (tuple): The neck's feature maps and ``(text,
                text_mask)`` with text (B, T, D) and mask (B, T) or None.

        Returns:
            Tensor: (B, out_channels, H, W) logits.
        """
        feats, (text, text_mask) = inputs
        fused = self._transform_inputs(feats)
        batch, channels, height, width = fused.shape
        query = self.projector(text, text_mask, fused)
        pixels = fused.flatten(2).transpose(1, 2)
        learned = self.query_embed.weight.unsqueeze(0).expand(batch, -1, -1)
        summary = self.decoder(learned, pixels).mean(dim=1)
        gated = fused * (self.channel_gate(fused) + query[..., None, None])
        broadcast = summary[..., None, None].expand(-1, -1, height, width)
        return self.cls_seg(
            self.mask_convs(torch.cat([gated, broadcast], dim=1)))
