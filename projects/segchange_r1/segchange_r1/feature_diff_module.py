"""FeatureDiffModule: per-scale comparison of the two dates' features."""
from typing import List, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.utils import SELayer

from changefine_mm.registry import MODELS
from .cbam import CBAM

_ATTENTIONS = ('SE', 'CBAM')


@MODELS.register_module()
class FeatureDiffModule(BaseModule):
    """Fuse [A, B, |A - B|, A * B] per scale, then apply attention.

    Paper section 3.3 (difference module); official class
    ``models/neck/feature_diff.py::FeatureDiffModule``. For every scale the
    concatenation of both features, their absolute difference and their
    product goes through a 1x1 conv + BN + ReLU back to the scale's width,
    followed by squeeze-and-excitation (mmseg's ``SELayer`` with a sigmoid
    gate) or :class:`CBAM`. There is no paper/official difference, hence no
    ``mode`` (CBAM has its own).

    Args:
        in_channels (sequence[int]): Channels of each scale.
        attention (str): 'SE' or 'CBAM'. Defaults to 'CBAM' (the official
            config's choice).
        ratio (int): Reduction ratio of the attention. Defaults to 16.
        cbam_mode (str): ``mode`` of :class:`CBAM`. Defaults to 'official'.
        norm_cfg (dict): Norm after the fusing conv. Defaults to BN.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 attention: str = 'CBAM',
                 ratio: int = 16,
                 cbam_mode: str = 'official',
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if attention not in _ATTENTIONS:
            raise ValueError(f'attention must be one of {_ATTENTIONS}, got '
                             f'{attention!r}')
        self.fuse = nn.ModuleList(
            ConvModule(4 * c, c, kernel_size=1, norm_cfg=norm_cfg)
            for c in in_channels)
        if attention == 'SE':
            self.attention = nn.ModuleList(
                SELayer(c, ratio=ratio,
                        act_cfg=(dict(type='ReLU'), dict(type='Sigmoid')))
                for c in in_channels)
        else:
            self.attention = nn.ModuleList(
                CBAM(c, ratio=ratio, mode=cbam_mode) for c in in_channels)

    def forward(self, feats_from: List[torch.Tensor],
                feats_to: List[torch.Tensor]) -> List[torch.Tensor]:
        """Difference features of every scale.

        Args:
            feats_from (list[Tensor]): Date A, one map per scale.
            feats_to (list[Tensor]): Date B, same shapes.

        Returns:
            list[Tensor]: One fused map per scale, same shapes as the input.
        """
        if len(feats_from) != len(self.fuse) or len(feats_to) != len(
                self.fuse):
            raise ValueError(
                f'expected {len(self.fuse)} scales per date, got '
                f'{len(feats_from)} and {len(feats_to)}')
        return [
            attend(fuse(torch.cat([a, b, (a - b).abs(), a * b], dim=1)))
            for fuse, attend, a, b in zip(self.fuse, self.attention,
                                          feats_from, feats_to)
        ]
