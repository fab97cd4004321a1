"""CPFMNeck: ChangeFine's bi-temporal interaction and neck, from the two
dates' SCFE features to the stride-4 ``dense_embed``."""
import re
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor, nn

from changefine_mm.registry import MODELS
from ..utils.mlp import Mlp
from .cross_perception_module import CrossPerceptionModule
from .moe_map_fusion import MoEMapFusion
from .pseudo_pyramid_uper_neck import NUM_LEVELS, PseudoPyramidUPerNeck

# The score fusion is concatenated onto the third CPFM output (official).
SCORE_LEVEL = 2
DATE_KEYS = ('feats', 'score_map', 'text')

# Official keys owned by this neck, and the dead ones it does not build:
# the UperHead classifier and LayerNorms, and three CPFM LayerNorms.
OFFICIAL_PREFIXES = ('interacts.', 'fusion_score.', 'neck.', 'embed_feats.')
OFFICIAL_DEAD_KEYS = re.compile(
    r'^(neck\.conv_last\.|neck\.norm\d?\.|'
    r'interacts\.\d+\.(norm|norm3|ch_attn\.norm)\.)')


def official_to_ours(key: str) -> Optional[str]:
    """Map an official ChangeFine state_dict key of the interaction/neck
    part to the matching :class:`CPFMNeck` state_dict key.

    The sub-module names are the official ones, so the mapping is the
    identity except for the dead parameters this neck does not build:
    ``neck.conv_last.*`` (9.44 M), ``neck.norm.*``, ``neck.norm1-4.*``,
    ``interacts.i.norm.*``, ``interacts.i.norm3.*`` and
    ``interacts.i.ch_attn.norm.*``.

    Args:
        key (str): Official key starting with ``interacts.``,
            ``fusion_score.``, ``neck.`` or ``embed_feats.``.

    Returns:
        str | None: Our key, or None for a dead key (to be dropped).

    Raises:
        ValueError: If the key belongs to another part of ChangeFine.
    """
    if not key.startswith(OFFICIAL_PREFIXES):
        raise ValueError(f'official key {key!r} is not part of the CPFM '
                         f'neck (prefixes {OFFICIAL_PREFIXES})')
    if OFFICIAL_DEAD_KEYS.match(key):
        return None
    return key


def convert_official_state_dict(
        state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Pick the neck's entries of an official state_dict and rename them
    with :func:`official_to_ours`, dropping the dead ones.

    Args:
        state_dict (dict[str, Tensor]): Official (full or partial) weights.

    Returns:
        dict[str, Tensor]: Loadable into :class:`CPFMNeck` (strict once all
        four ``interacts`` and the neck parts are present).
    """
    converted = {}
    for key, value in state_dict.items():
        if key.startswith(OFFICIAL_PREFIXES):
            ours = official_to_ours(key)
            if ours is not None:
                converted[ours] = value
    return converted


@MODELS.register_module()
class CPFMNeck(BaseModule):
    """Bi-temporal interaction + neck of ChangeFine (paper: four CPFMs, the
    score fusion and the "PPM" neck; official: ``interacts``,
    ``fusion_score``, ``neck`` (UperHead) and ``embed_feats`` of
    ``models/ChangeFine.py::ChangeFine``).

    Per date the backbone gives ``dict(feats=[4 maps B x C_in x h x w],
    score_map=[B, h*w, K], text=[B, K, D_text])``. Here:

    1. one :class:`CrossPerceptionModule` per scale fuses the two dates'
       tokens -> 4 x [B, h*w, width];
    2. ``fusion_score`` = Mlp(2K -> 8K -> score_channels) of the two score
       maps, concatenated onto the third CPFM output;
    3. :class:`PseudoPyramidUPerNeck` -> 4 maps at 4h x 4w (stride 4);
    4. :class:`MoEMapFusion` -> ``dense_embed`` [B, out_channels, 4h, 4w].

    ``mode`` is passed to the CPFMs (see :class:`CrossPerceptionModule` for
    every official/paper difference) and selects the Mlp regulariser of
    ``fusion_score`` (official DropPath, paper Dropout). Official dead
    parameters are not built; :func:`official_to_ours` maps official keys.

    Args:
        in_channels (int): Channels of the backbone maps (SAM: 768).
        width (int): CPFM width (512).
        num_heads (int): CPFM attention heads (16).
        num_classes (int): K, the number of class prompts in the score maps.
        score_channels (int): Output channels of ``fusion_score`` (the
            official model uses its number of change classes, 2).
        mlp_ratio (float): CPFM Mlp hidden ratio (4).
        neighbor_radius (int): CPFM neighbourhood radius (1 = 3x3).
        pool_scales (Sequence[int]): PPM pooling sizes (1, 2, 3, 6).
        fpn_dim (int): PPM/FPN channels (512).
        out_channels (int): Channels of ``dense_embed`` (512).
        gn_groups (int): GroupNorm groups of the pseudo-pyramid (32).
        drop (float): Mlp/Dropout2d rate (official proj_drop 0.1).
        attn_drop (float): Attention-weight drop rate (0.1).
        mode (str): 'official' or 'paper'.
        channel_gate_init (float, optional): CPFM channel-attention gate
            start; None = mode default (official 0, paper 1).
        norm_cfg (dict): BatchNorm config of all conv blocks (plain BN by
            default; ``dict(type='SyncBN')`` for multi-GPU training).
        init_cfg (dict | list, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int = 768,
                 width: int = 512,
                 num_heads: int = 16,
                 num_classes: int = 2,
                 score_channels: int = 2,
                 mlp_ratio: float = 4.,
                 neighbor_radius: int = 1,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 fpn_dim: int = 512,
                 out_channels: int = 512,
                 gn_groups: int = 32,
                 drop: float = 0.1,
                 attn_drop: float = 0.1,
                 mode: str = 'official',
                 channel_gate_init: Optional[float] = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_classes = num_classes
        self.interacts = nn.ModuleList(
            CrossPerceptionModule(in_channels, width, num_heads, mlp_ratio,
                                  drop, attn_drop, neighbor_radius, mode,
                                  channel_gate_init, norm_cfg)
            for _ in range(NUM_LEVELS))
        self.fusion_score = Mlp(
            2 * num_classes, 8 * num_classes, score_channels, drop,
            'path' if mode == 'official' else 'element')
        level_channels = [width] * NUM_LEVELS
        level_channels[SCORE_LEVEL] += score_channels
        self.neck = PseudoPyramidUPerNeck(level_channels, fpn_dim,
                                          pool_scales, gn_groups, norm_cfg)
        self.embed_feats = MoEMapFusion(fpn_dim, out_channels, NUM_LEVELS,
                                        norm_cfg)

    def interact(self, maps_from: Sequence[Tensor],
                 maps_to: Sequence[Tensor]) -> Tuple[List[Tensor],
                                                     Tuple[int, int]]:
        """Run the four CPFMs.

        Args:
            maps_from (Sequence[Tensor]): Date-1 maps [B, C_in, h, w].
            maps_to (Sequence[Tensor]): Date-2 maps, same shapes.

        Returns:
            tuple: list of 4 token maps [B, h*w, width] and the grid (h, w).
        """
        grid = tuple(maps_from[0].shape[2:])
        for i, (a, b) in enumerate(zip(maps_from, maps_to)):
            if a.shape != b.shape or tuple(a.shape[2:]) != grid:
                raise ValueError(
                    f'CPFMNeck: feats[{i}] of the two dates must share one '
                    f'{grid} grid, got {tuple(a.shape)} and {tuple(b.shape)}')
        return [
            cpfm(a.flatten(2).transpose(1, 2), b.flatten(2).transpose(1, 2),
                 grid)
            for cpfm, a, b in zip(self.interacts, maps_from, maps_to)
        ], grid

    def embed_tokens(self, tokens: Sequence[Tensor], score_from: Tensor,
                     score_to: Tensor, grid: Tuple[int, int]) -> Tensor:
        """Score fusion, pseudo-pyramid UPerNet and MoE map fusion.

        Args:
            tokens (Sequence[Tensor]): 4 CPFM outputs [B, h*w, width].
            score_from (Tensor): Date-1 score map [B, h*w, K].
            score_to (Tensor): Date-2 score map [B, h*w, K].
            grid (tuple[int, int]): (h, w).

        Returns:
            Tensor: ``dense_embed`` [B, out_channels, 4h, 4w].
        """
        expected = (tokens[0].shape[0], grid[0] * grid[1], self.num_classes)
        for name, score in (('from', score_from), ('to', score_to)):
            if tuple(score.shape) != expected:
                raise ValueError(
                    f'CPFMNeck: score_map of date {name!r} must be '
                    f'[B, h*w, K] = {list(expected)}, got '
                    f'{list(score.shape)}')
        tokens = list(tokens)
        score = self.fusion_score(torch.cat((score_from, score_to), dim=-1))
        tokens[SCORE_LEVEL] = torch.cat((tokens[SCORE_LEVEL], score), dim=-1)
        maps = [t.transpose(1, 2).reshape(t.shape[0], -1, *grid)
                for t in tokens]
        return self.embed_feats(self.neck(maps))

    def forward(self, feats_from: dict, feats_to: dict) -> dict:
        """Fuse the two dates' SCFE outputs into the dense embedding.

        Args:
            feats_from (dict): Date 1: ``feats`` (4 maps [B, C_in, h, w]),
                ``score_map`` [B, h*w, K], ``text`` [B, K, D_text].
            feats_to (dict): Date 2, same layout.

        Returns:
            dict: ``dense_embed`` [B, out_channels, 4h, 4w] and the per-date
            refined text embeddings ``text_from``, ``text_to`` (passed
            through for the decoder).
        """
        for name, feats in (('feats_from', feats_from),
                            ('feats_to', feats_to)):
            missing = [k for k in DATE_KEYS if k not in feats]
            if missing:
                raise KeyError(f'CPFMNeck: {name} lacks {missing}; expected '
                               f'the SCFE backbone output keys {DATE_KEYS}')
            if len(feats['feats']) != NUM_LEVELS:
                raise ValueError(f'CPFMNeck: {name}["feats"] must hold '
                                 f'{NUM_LEVELS} maps, got '
                                 f'{len(feats["feats"])}')
        tokens, grid = self.interact(feats_from['feats'], feats_to['feats'])
        dense_embed = self.embed_tokens(tokens, feats_from['score_map'],
                                        feats_to['score_map'], grid)
        return dict(dense_embed=dense_embed, text_from=feats_from['text'],
                    text_to=feats_to['text'])
