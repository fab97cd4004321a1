"""Interaction ResNet: one shared ResNet for both dates, features exchanged
between the dates after chosen stages.

Corresponds to open-cd's ``IA_ResNet`` / ``IA_ResNetV1c`` / ``IA_ResNetV1d``
(the ChangerEx backbone of Fang et al., "Changer", TGRS 2023, Sec. III-B).
The layers are mmseg's ``ResNet`` unchanged, so state-dict keys are
mmseg's (``stem.*``, ``layer1.*``, ...) and open-cd checkpoints load with
``strict=True``.
"""
from typing import Optional, Sequence, Tuple

import torch
from mmseg.models.backbones import ResNet

from changefine_mm.registry import MODELS
# Imported so that the interaction layers are registered before a config
# names them in ``interaction_cfg``.
from ..utils.interaction_layers import build_interactions


@MODELS.register_module()
class IA_ResNet(ResNet):
    """mmseg ``ResNet`` taking two dates, with per-stage interactions.

    Both dates run through the same stem and residual stages. After stage
    ``i`` the two maps pass through ``interaction_cfg[i]`` (e.g.
    ``SpatialExchange``, ``ChannelExchange``; ``None`` = no interaction).
    Each output level is date A and date B concatenated on channels.

    Args:
        interaction_cfg (Sequence[dict | None]): One interaction per stage;
            its length must equal ``num_stages``.
        **kwargs: mmseg ``ResNet`` arguments (``depth``, ``num_stages``,
            ``strides``, ``out_indices``, ``norm_cfg``, ...).
    """

    def __init__(self,
                 interaction_cfg: Sequence[Optional[dict]] = (None, None, None,
                                                              None),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        # open-cd's attribute name (parameter-free: not in the state dict).
        self.ccs = build_interactions(interaction_cfg, self.num_stages)

    def _stem_forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        return self.maxpool(x)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Encode both dates.

        Args:
            x1 (Tensor): Date A images (N, C, H, W).
            x2 (Tensor): Date B images, same shape.

        Returns:
            tuple[Tensor]: For each stage in ``out_indices``, date A and
            date B features concatenated on channels.
        """
        x1, x2 = self._stem_forward(x1), self._stem_forward(x2)
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            res_layer = getattr(self, layer_name)
            x1, x2 = self.ccs[i](res_layer(x1), res_layer(x2))
            if i in self.out_indices:
                outs.append(torch.cat([x1, x2], dim=1))
        return tuple(outs)


@MODELS.register_module()
class IA_ResNetV1c(IA_ResNet):
    """:class:`IA_ResNet` with the V1c stem (three 3x3 convs)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(deep_stem=True, avg_down=False, **kwargs)


@MODELS.register_module()
class IA_ResNetV1d(IA_ResNet):
    """:class:`IA_ResNet` with the V1d stem and average-pool downsampling."""

    def __init__(self, **kwargs) -> None:
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
