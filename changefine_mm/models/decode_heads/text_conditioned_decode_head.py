"""TextConditionedDecodeHead: a U-shaped decoder whose attention reads text."""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.backbones.swin import SwinBlock
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import nn

from changefine_mm.registry import MODELS
from ..utils.low_rank_bilinear_attention import LowRankBilinearAttention

# mmseg's shifted-window block, usable as a decoder block by config
# (ChangeCLIP's stages are pairs of them).
MODELS.register_module(name='SwinBlock', module=SwinBlock)


class _TextUpStage(nn.Module):
    """One decoder stage: up-sample, text-conditioned attention, skip merge.

    Official ``Swin_Decoder`` (ChangeCLIP) / ``CSwin_Decoder`` (CLIPFormer):
    the coarse map is up-sampled to the skip's size and halved in width
    (3x3 conv, GroupNorm, ReLU); each block first adds the text update of
    :class:`LowRankBilinearAttention`, then runs its spatial attention; a
    1x1 conv follows. The skip is halved by a 1x1 conv, both are
    concatenated and merged by a 3x3 conv.
    """

    def __init__(self, channels: int, blocks: Sequence[dict],
                 norm_groups: int) -> None:
        super().__init__()
        half = channels // 2
        self.up = nn.Sequential(
            nn.Conv2d(channels, half, 3, padding=1),
            nn.GroupNorm(norm_groups, half), nn.ReLU(inplace=True))
        self.text_attns = nn.ModuleList(
            LowRankBilinearAttention(half) for _ in blocks)
        self.blocks = nn.ModuleList(
            MODELS.build(dict(block, embed_dims=half)) for block in blocks)
        self.post = nn.Sequential(nn.Conv2d(half, half, 1), nn.ReLU())
        self.skip = nn.Sequential(nn.Conv2d(channels, half, 1), nn.ReLU())
        self.fuse = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor, skip: torch.Tensor,
                text: torch.Tensor) -> torch.Tensor:
        x = self.up(F.interpolate(x, size=skip.shape[2:], mode='nearest'))
        batch, channels, height, width = x.shape
        tokens = x.flatten(2).transpose(1, 2)
        for text_attn, block in zip(self.text_attns, self.blocks):
            tokens = tokens + text_attn(tokens, text)
            tokens = block(tokens, (height, width))
        x = tokens.transpose(1, 2).reshape(batch, channels, height, width)
        return self.fuse(torch.cat([self.skip(skip), self.post(x)], dim=1))


@MODELS.register_module()
class TextConditionedDecodeHead(BaseDecodeHead):
    """U-shaped change decoder whose attention blocks read both dates' prompts.

    The decoder of CLIP-text-conditioned change detection: ChangeCLIP's
    official ``SwinTextDecode`` (``mmseg/models/decode_heads/
    swin_text_head.py``) and CLIPFormer's ``CSwinTextDecode``
    (``cswin_text_head.py``), which differ only in their attention blocks
    and number of stages. The prompt embeddings of date A and date B are
    projected to ``channels // 2`` (one linear + LayerNorm per date) and
    concatenated into 2K text tokens. Starting from the coarsest input,
    each stage (:class:`_TextUpStage`) goes up to the next finer input, and
    the finest result is classified.

    The attention blocks are configs, any registered module called as
    ``block(tokens, (H, W))`` with an ``embed_dims`` argument: ChangeCLIP
    uses pairs of mmseg ``SwinBlock`` (window 7, the second shifted) per
    stage; CLIPFormer uses one cross-shaped window block per stage and a
    fourth stage up to stride 2.

    Args:
        stage_blocks (sequence[sequence[dict]]): Block configs of each
            stage, coarsest stage first; one stage per input but the
            finest. ``embed_dims`` is filled in (``channels // 2``).
        text_dim (int): Dimension of the prompt embeddings. Defaults to
            1024 (CLIP RN50).
        norm_groups (int): GroupNorm groups of the up-sampling convs.
            Defaults to 32.
        **kwargs: :class:`BaseDecodeHead` arguments; ``in_channels`` is one
            entry per input, each equal to ``channels``, inputs ordered from
            fine to coarse.
    """

    def __init__(self,
                 stage_blocks: Sequence[Sequence[dict]],
                 text_dim: int = 1024,
                 norm_groups: int = 32,
                 **kwargs) -> None:
        super().__init__(input_transform='multiple_select', **kwargs)
        if any(c != self.channels for c in self.in_channels):
            raise ValueError(f'TextConditionedDecodeHead needs every input '
                             f'to have channels={self.channels}, got '
                             f'in_channels={self.in_channels}')
        if len(stage_blocks) != len(self.in_channels) - 1:
            raise ValueError(
                f'{len(self.in_channels)} inputs need '
                f'{len(self.in_channels) - 1} stages, got '
                f'{len(stage_blocks)} entries in stage_blocks')
        half = self.channels // 2
        self.text_proj_a = nn.Sequential(
            nn.Linear(text_dim, half), nn.LayerNorm(half))
        self.text_proj_b = nn.Sequential(
            nn.Linear(text_dim, half), nn.LayerNorm(half))
        self.stages = nn.ModuleList(
            _TextUpStage(self.channels, blocks, norm_groups)
            for blocks in stage_blocks)

    def forward(
        self, inputs: Tuple[List[torch.Tensor], torch.Tensor, torch.Tensor]
    ) -> torch.Tensor:
        """Decode.

        Args:
            inputs (tuple): Feature maps (fine to coarse), prompt
                embeddings of date A (B, K, text_dim) and of date B.

        Returns:
            Tensor: Logits at the finest input's resolution.
        """
        feats, text_a, text_b = inputs
        feats = self._transform_inputs(feats)
        text = torch.cat([self.text_proj_a(text_a),
                          self.text_proj_b(text_b)], dim=1)
        x = feats[-1]
        for stage, skip in zip(self.stages, reversed(feats[:-1])):
            x = stage(x, skip, text)
        return self.cls_seg(x)
