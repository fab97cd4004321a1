"""Bridging layer of BAN (Li et al., "A New Learning Paradigm for
Foundation Model-based Remote Sensing Change Detection", TGRS 2024,
Sec. III-B): the features of the bi-temporal adapter branch attend to the
foundation model's features, then pass a Mix-FFN, and the (resized)
foundation features are added.

Module and parameter names follow open-cd's ``ban_utils.py``
(``norm1``, ``attn.attn``, ``norm2``, ``ffn.layers``) so its checkpoints
load with ``strict=True``.
"""
import torch
from mmcv.cnn.bricks.transformer import MultiheadAttention
from mmseg.models.backbones.mit import MixFFN
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw, resize
from torch import nn

from ..backbones.tinynet import ChannelLayerNorm


class CrossMultiheadAttention(MultiheadAttention):
    """Multi-head attention from a (B, C, H, W) query map to a
    (B, C, h, w) key/value map, added to ``identity``.

    Args:
        embed_dims (int): Channels of both maps.
        num_heads (int): Attention heads.
        qkv_bias (bool): Bias of the q/k/v projections.
        **kwargs: :class:`mmcv.cnn.bricks.transformer.MultiheadAttention`
            arguments (``attn_drop``, ``proj_drop``, ``kdim``, ``vdim``).
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 qkv_bias: bool = False, **kwargs) -> None:
        super().__init__(embed_dims, num_heads, batch_first=True,
                         bias=qkv_bias, **kwargs)

    def forward(self, query: torch.Tensor, key_value: torch.Tensor,
                identity: torch.Tensor) -> torch.Tensor:
        """Attend from every query pixel to every key/value pixel.

        Args:
            query (Tensor): (B, C, H, W) queries.
            key_value (Tensor): (B, C, h, w) keys and values.
            identity (Tensor): (B, C, H, W) residual.

        Returns:
            Tensor: ``identity`` plus the attention output, (B, C, H, W).
        """
        hw_shape = query.shape[-2:]
        # nn.MultiheadAttention here is sequence-first.
        q = nchw_to_nlc(query).transpose(0, 1)
        kv = nchw_to_nlc(key_value).transpose(0, 1)
        out = self.attn(query=q, key=kv, value=kv)[0].transpose(0, 1)
        return identity + nlc_to_nchw(out, hw_shape)


class BridgeLayer(nn.Module):
    """Cross-attention of the adapter features to the foundation-model
    features, Mix-FFN, plus the resized foundation features.

    Args:
        embed_dims (int): Channels of the adapter features (the foundation
            features are projected to it before).
        num_heads (int): Attention heads.
        feedforward_channels (int): Hidden channels of the Mix-FFN
            (open-cd's default 4: a deliberately thin FFN).
        drop_rate (float): Dropout after attention and in the FFN.
        attn_drop_rate (float): Dropout on the attention weights.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 feedforward_channels: int = 4, drop_rate: float = 0.,
                 attn_drop_rate: float = 0.) -> None:
        super().__init__()
        self.norm1 = ChannelLayerNorm(embed_dims)
        self.attn = CrossMultiheadAttention(
            embed_dims, num_heads, qkv_bias=True, attn_drop=attn_drop_rate,
            proj_drop=drop_rate)
        self.norm2 = ChannelLayerNorm(embed_dims)
        self.ffn = MixFFN(embed_dims, feedforward_channels,
                          act_cfg=dict(type='GELU'), ffn_drop=drop_rate)

    def forward(self, x: torch.Tensor,
                foundation: torch.Tensor) -> torch.Tensor:
        """Fuse the foundation features into the adapter features.

        Args:
            x (Tensor): (B, C, H, W) adapter features.
            foundation (Tensor): (B, C, h, w) projected foundation-model
                features.

        Returns:
            Tensor: (B, C, H, W) fused features.
        """
        hw_shape = x.shape[-2:]
        x = self.attn(self.norm1(x), foundation, identity=x)
        x = nlc_to_nchw(
            self.ffn(nchw_to_nlc(self.norm2(x)), hw_shape,
                     identity=nchw_to_nlc(x)), hw_shape)
        return x + resize(foundation, size=hw_shape, mode='bilinear',
                          align_corners=False)
