"""ClassTextSemanticHead: one date's land-cover map, classified by the CLIP
text embeddings of the class names."""
import math
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import ConfigType
from torch import Tensor, nn

from changefine_mm.registry import MODELS
from ..necks.cpfm_neck import DATE_KEYS, SCORE_LEVEL
from ..necks.moe_map_fusion import MoEMapFusion
from ..necks.pseudo_pyramid_uper_neck import NUM_LEVELS, PseudoPyramidUPerNeck


@MODELS.register_module()
class ClassTextSemanticHead(BaseDecodeHead):
    """Land-cover map of one date from ChangeFine's SAM-CLIP features, with
    the class-name text embeddings as the classifier (DenseCLIP-style).

    Input: the :class:`SAMCLIPBackbone` output of one date, whose CLIP text
    prompts are the land-cover class names (``feats``: 4 SAM maps
    [B, C_in, h, w], the last fused with CLIP; ``score_map`` [B, h*w, K]:
    fused tokens against the class texts; ``text``: the per-image refined
    class embeddings [B, K, E]). The decoding mirrors ChangeFine's change
    neck on a single date:

    1. each SAM map is projected to ``channels`` (1x1 conv) and the score
       map is concatenated onto level ``SCORE_LEVEL``, where ChangeFine's
       neck adds its fused score maps (DenseCLIP concatenates its score
       map to the features likewise);
    2. :class:`PseudoPyramidUPerNeck` and :class:`MoEMapFusion` (ChangeFine's
       own neck parts) give a stride-4 map;
    3. a 1x1 conv embeds it into CLIP's joint space, and the logit of class
       k is ``exp(logit_scale) * cos(pixel, text_k)``.

    The class names are thus the classifier: renaming a class changes its
    text embedding and so its logits; there are no per-class weights.

    Args:
        in_channels (int): Channels of the SAM maps (ViT-B: 768).
        channels (int): Width of the pixel decoder.
        num_classes (int): K, the number of class prompts (land-cover
            classes); ``ChangeFineSCD`` sets it from
            ``backbone.class_names``.
        text_dim (int): Width E of the CLIP text embeddings.
        pool_scales (Sequence[int]): PPM pooling sizes.
        gn_groups (int): GroupNorm groups of the pseudo-pyramid.
        logit_scale_init (float): Initial ``exp(logit_scale)``; CLIP's 1/0.07
            by default. Learnable, at most ``max_logit_scale``.
        max_logit_scale (float): Upper bound of ``exp(logit_scale)`` (100,
            as CLIP's).
        **kwargs: :class:`BaseDecodeHead` arguments (``loss_decode``,
            ``ignore_index``, ``dropout_ratio``, ``norm_cfg``,
            ``align_corners``, ``init_cfg``).
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 num_classes: int,
                 text_dim: int = 512,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 gn_groups: int = 32,
                 logit_scale_init: float = 1 / 0.07,
                 max_logit_scale: float = 100.0,
                 norm_cfg: ConfigType = dict(type='BN'),
                 init_cfg: Optional[ConfigType] = None,
                 **kwargs) -> None:
        super().__init__(in_channels, channels, num_classes=num_classes,
                         norm_cfg=norm_cfg, init_cfg=init_cfg, **kwargs)
        if not 0 < logit_scale_init <= max_logit_scale:
            raise ValueError(
                f'logit_scale_init ({logit_scale_init}) must be in '
                f'(0, max_logit_scale={max_logit_scale}]')
        # The class texts replace mmseg's per-class classifier.
        del self.conv_seg
        self.text_dim = text_dim
        self.max_log_scale = math.log(max_logit_scale)
        self.lateral = nn.ModuleList(
            nn.Conv2d(in_channels, channels, 1) for _ in range(NUM_LEVELS))
        level_channels = [channels] * NUM_LEVELS
        level_channels[SCORE_LEVEL] += num_classes
        self.pyramid = PseudoPyramidUPerNeck(level_channels, channels,
                                             pool_scales, gn_groups, norm_cfg)
        self.fusion = MoEMapFusion(channels, channels, NUM_LEVELS, norm_cfg)
        self.embed = nn.Conv2d(channels, text_dim, 1)
        self.logit_scale = nn.Parameter(
            torch.tensor(math.log(logit_scale_init)))

    def forward(self, inputs: Dict[str, object]) -> Tensor:
        """Land-cover logits of one date.

        Args:
            inputs (dict): One date's backbone output (``feats``,
                ``score_map``, ``text``).

        Returns:
            Tensor: Logits [B, K, 4h, 4w].
        """
        feats, score, text = self._parse_inputs(inputs)
        height, width = feats[0].shape[2:]
        maps = [proj(f) for proj, f in zip(self.lateral, feats)]
        score = score.transpose(1, 2).reshape(score.shape[0], -1, height,
                                              width)
        maps[SCORE_LEVEL] = torch.cat((maps[SCORE_LEVEL], score), dim=1)
        pixels = self.fusion(self.pyramid(maps))
        if self.dropout is not None:
            pixels = self.dropout(pixels)
        pixels = self.embed(pixels)
        cosine = torch.einsum('bchw,bkc->bkhw', F.normalize(pixels, dim=1),
                              F.normalize(text, dim=-1))
        return self.logit_scale.clamp(max=self.max_log_scale).exp() * cosine

    def _parse_inputs(self, inputs: Dict[str, object]) -> List[Tensor]:
        if not isinstance(inputs, dict) or any(k not in inputs
                                               for k in DATE_KEYS):
            got = sorted(inputs) if isinstance(inputs, dict) else type(inputs)
            raise KeyError('ClassTextSemanticHead expects one date of the '
                           f'SAMCLIPBackbone output, keys {DATE_KEYS}; got '
                           f'{got}')
        feats, score, text = (inputs[k] for k in DATE_KEYS)
        if len(feats) != NUM_LEVELS:
            raise ValueError(f'ClassTextSemanticHead needs {NUM_LEVELS} '
                             f'feature maps, got {len(feats)}')
        height, width = feats[0].shape[2:]
        expected = (feats[0].shape[0], height * width, self.num_classes)
        if tuple(score.shape) != expected:
            raise ValueError(
                f'ClassTextSemanticHead: score_map must be [B, h*w, K] = '
                f'{list(expected)} (K = num_classes, one per class prompt), '
                f'got {list(score.shape)}')
        if text.shape[1:] != (self.num_classes, self.text_dim):
            raise ValueError(
                'ClassTextSemanticHead: text must be [B, K, text_dim] = '
                f'[B, {self.num_classes}, {self.text_dim}], got '
                f'{list(text.shape)}; set text_dim to the CLIP embedding '
                'width')
        return [feats, score, text]
