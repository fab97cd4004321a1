"""Interaction MiT: mmseg's MixVisionTransformer (SegFormer) for two
dates, with features exchanged between the dates after chosen stages.

open-cd's ``IA_MixVisionTransformer``
(opencd/models/backbones/interaction_mit.py), the ChangerEx-MiT backbone
of Fang et al., "Changer", TGRS 2023. The layers are mmseg's unchanged,
so state-dict keys are mmseg's (``layers.*``) and open-cd checkpoints (and
mmseg's MiT ImageNet weights, through ``pretrained``) load strictly.
"""
from typing import List, Optional, Sequence

import torch
from mmseg.models.backbones import MixVisionTransformer
from mmseg.models.backbones.mit import TransformerEncoderLayer
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw

from changefine_mm.registry import MODELS
# Imported so that the interaction layers are registered before a config
# names them in ``interaction_cfg``.
from ..utils.interaction_layers import build_interactions
from ..utils.traceable_attention import multihead_attention


def traceable_block(block: TransformerEncoderLayer, x: torch.Tensor,
                    hw_shape: Sequence[int]) -> torch.Tensor:
    """``block(x, hw_shape)`` with :func:`multihead_attention`, so that an
    ONNX trace keeps the number of tokens dynamic (mmseg's block reaches
    ``nn.MultiheadAttention``, whose trace freezes it)."""
    attn, tokens = block.attn, block.norm1(x)
    kv = tokens
    if attn.sr_ratio > 1:
        kv = attn.norm(nchw_to_nlc(attn.sr(nlc_to_nchw(tokens, hw_shape))))
    if attn.batch_first:
        tokens, kv = tokens.transpose(0, 1), kv.transpose(0, 1)
    out = multihead_attention(attn.attn, tokens, kv, kv)
    if attn.batch_first:
        out = out.transpose(0, 1)
    x = x + attn.dropout_layer(attn.proj_drop(out))
    return block.ffn(block.norm2(x), hw_shape, identity=x)


@MODELS.register_module()
class IA_MixVisionTransformer(MixVisionTransformer):
    """mmseg ``MixVisionTransformer`` taking two dates, with per-stage
    interactions.

    Both dates run through the same patch embeddings, transformer blocks
    and norms. After stage ``i`` the two maps pass through
    ``interaction_cfg[i]`` (``SpatialExchange``, ``ChannelExchange``;
    ``None`` = none). Each output level is date A and date B concatenated
    on channels.

    Args:
        interaction_cfg (Sequence[dict | None]): One interaction per stage;
            its length must equal ``num_stages``.
        **kwargs: mmseg ``MixVisionTransformer`` arguments.
    """

    def __init__(self,
                 interaction_cfg: Sequence[Optional[dict]] = (None, None, None,
                                                              None),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        # open-cd's attribute name (parameter-free: not in the state dict).
        self.ccs = build_interactions(interaction_cfg, self.num_stages)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> List[torch.Tensor]:
        """Encode both dates.

        Args:
            x1 (Tensor): Date A images (N, C, H, W).
            x2 (Tensor): Date B images, same shape.

        Returns:
            list[Tensor]: For each stage in ``out_indices``, date A and
            date B features concatenated on channels.
        """
        outs = []
        for i, (embed, blocks, norm) in enumerate(self.layers):
            x1, hw_shape = embed(x1)
            x2, _ = embed(x2)
            run = traceable_block if torch.jit.is_tracing() else (
                lambda block, x, shape: block(x, shape))
            for block in blocks:
                x1, x2 = run(block, x1, hw_shape), run(block, x2, hw_shape)
            x1 = nlc_to_nchw(norm(x1), hw_shape)
            x2 = nlc_to_nchw(norm(x2), hw_shape)
            x1, x2 = self.ccs[i](x1, x2)
            if i in self.out_indices:
                outs.append(torch.cat([x1, x2], dim=1))
        return outs
