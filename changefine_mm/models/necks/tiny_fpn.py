"""TinyFPN: mmseg's FPN with light output blocks (open-cd's ``TinyFPN``).

open-cd's opencd/models/necks/tiny_fpn.py (TinyCD v2, LightCDNet), with its
state-dict names. The output convs are :class:`TinyBlock` s
(``custom_block='tinyblock'``) or mmseg's 3x3 ``ConvModule`` s
(``'conv'``, then it is mmseg's FPN). A backbone's early features (the
concatenated dates before fusion) lead the inputs when
``exist_early_x``: they are passed through unchanged as the first output,
and also enter the pyramid when ``early_x_for_fpn``.
"""
from typing import List, Sequence, Tuple

import torch
from mmseg.models.necks import FPN

from changefine_mm.registry import MODELS
from ..backbones.tinynet import TinyBlock


@MODELS.register_module()
class TinyFPN(FPN):
    """Feature pyramid with :class:`TinyBlock` output convs.

    Args:
        in_channels (list[int]): Channels of the pyramid inputs (with the
            early features only when ``early_x_for_fpn``).
        out_channels (int): Channels of every pyramid level.
        num_outs (int): Pyramid levels.
        custom_block (str): 'tinyblock' or 'conv'. Defaults to
            'tinyblock'.
        exist_early_x (bool): The first input is the early features.
        early_x_for_fpn (bool): The early features also enter the pyramid.
        **kwargs: mmseg :class:`FPN` arguments (``start_level``,
            ``add_extra_convs``, ``norm_cfg`` ...).
    """

    def __init__(self,
                 in_channels: List[int],
                 out_channels: int,
                 num_outs: int,
                 custom_block: str = 'tinyblock',
                 exist_early_x: bool = False,
                 early_x_for_fpn: bool = False,
                 **kwargs) -> None:
        if custom_block not in ('tinyblock', 'conv'):
            raise ValueError("custom_block must be 'tinyblock' or 'conv', "
                             f'got {custom_block!r}')
        super().__init__(in_channels, out_channels, num_outs, **kwargs)
        self.exist_early_x = exist_early_x
        self.early_x_for_fpn = early_x_for_fpn
        if custom_block == 'tinyblock':
            levels = self.backbone_end_level - self.start_level
            for i in range(len(self.fpn_convs)):
                # Levels keep the size; extra levels halve it.
                extra_in = (self.in_channels[self.backbone_end_level - 1]
                            if self.add_extra_convs == 'on_input'
                            and i == levels else out_channels)
                self.fpn_convs[i] = TinyBlock(
                    out_channels if i < levels else extra_in, out_channels,
                    stride=1 if i < levels else 2, expand_ratio=1)

    def forward(self, inputs: Sequence[torch.Tensor]
                ) -> Tuple[torch.Tensor, ...]:
        """Build the pyramid.

        Args:
            inputs (sequence[Tensor]): Backbone outputs (early features
                first when ``exist_early_x``).

        Returns:
            tuple[Tensor]: The early features (when present), then the
            pyramid levels.
        """
        if not self.exist_early_x:
            return super().forward(inputs)
        pyramid = inputs if self.early_x_for_fpn else inputs[1:]
        if len(pyramid) != len(self.in_channels):
            raise ValueError(
                f'TinyFPN expects {len(self.in_channels)} pyramid inputs '
                f'after the early features, got {len(pyramid)}')
        return (inputs[0], ) + tuple(super().forward(pyramid))
