"""Interaction ResNeSt: :class:`IA_ResNetV1d` with mmseg's ResNeSt
split-attention bottlenecks.

open-cd's ``IA_ResNeSt`` (opencd/models/backbones/interaction_resnest.py),
the ChangerEx-S50/S101 backbone. Its layers are mmseg's ``ResNeSt``
layers, so state-dict keys are mmseg's and open-cd checkpoints load
strictly.
"""
from mmseg.models.backbones.resnest import Bottleneck
from mmseg.models.utils import ResLayer

from changefine_mm.registry import MODELS
from .ia_resnet import IA_ResNetV1d


@MODELS.register_module()
class IA_ResNeSt(IA_ResNetV1d):
    """Interaction ResNeSt (Zhang et al., "ResNeSt: Split-Attention
    Networks", 2020) for two dates.

    Args:
        groups (int): Groups of the bottleneck convs. Defaults to 1.
        base_width (int): Base width of the bottlenecks. Defaults to 4.
        radix (int): Radix of the split-attention convs. Defaults to 2.
        reduction_factor (int): Reduction of their hidden channels.
            Defaults to 4.
        avg_down_stride (bool): Average-pool for the stride in the
            bottlenecks. Defaults to True.
        **kwargs: :class:`IA_ResNetV1d` arguments (``depth`` 50, 101, 152
            or 200, ``interaction_cfg`` ...).
    """

    arch_settings = {
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
        200: (Bottleneck, (3, 24, 36, 3))
    }

    def __init__(self,
                 groups: int = 1,
                 base_width: int = 4,
                 radix: int = 2,
                 reduction_factor: int = 4,
                 avg_down_stride: bool = True,
                 **kwargs) -> None:
        # ResNet.__init__ builds the stages through make_res_layer.
        self.groups = groups
        self.base_width = base_width
        self.radix = radix
        self.reduction_factor = reduction_factor
        self.avg_down_stride = avg_down_stride
        super().__init__(**kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        """One stage of split-attention bottlenecks."""
        return ResLayer(
            groups=self.groups,
            base_width=self.base_width,
            base_channels=self.base_channels,
            radix=self.radix,
            reduction_factor=self.reduction_factor,
            avg_down_stride=self.avg_down_stride,
            **kwargs)
