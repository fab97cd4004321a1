"""FarSegHead: FarSeg's foreground-scene relation and light decoder
(Zheng et al., "Foreground-Aware Relation Network for Geospatial Object
Segmentation in High Spatial Resolution Remote Sensing Imagery", CVPR
2020), as open-cd's ``FarSegHead`` (opencd/models/decode_heads/
farseg_head.py), with its state-dict names (``_fsr``, ``_decoder``).

Inputs are the pyramid levels (strides 4-32) and, last, the scene
embedding. Each level is re-encoded and scaled by its relation to the
scene (``_fsr``); the light decoder brings every level to stride 4 with
3x3 conv-BN-ReLU and 2x upsampling steps and averages them.
"""
import math
from typing import List, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import nn

from changefine_mm.registry import MODELS


class _FSRelation(BaseModule):
    """Foreground-scene relation: each level's pixels are weighted by the
    sigmoid of their similarity to a per-level projection of the scene.

    Args:
        scene_embedding_channels (int): Channels of the scene embedding.
        in_channels_list (sequence[int]): Channels of each level.
        out_channels (int): Output channels.
        norm_cfg (dict): Norm of the 1x1 encoders.
        act_cfg (dict): Activation of the encoders. Defaults to ReLU.
    """

    def __init__(self,
                 scene_embedding_channels: int,
                 in_channels_list: Sequence[int],
                 out_channels: int,
                 norm_cfg: dict,
                 act_cfg: dict = dict(type='ReLU')) -> None:
        super().__init__()
        self.scene_encoder = nn.ModuleList([
            nn.Sequential(
                nn.Conv2d(scene_embedding_channels, out_channels, 1),
                nn.ReLU(True), nn.Conv2d(out_channels, out_channels, 1))
            for _ in in_channels_list
        ])

        def encoders() -> nn.ModuleList:
            return nn.ModuleList([
                nn.Sequential(
                    ConvModule(c, out_channels, 1, norm_cfg=norm_cfg,
                               act_cfg=act_cfg)) for c in in_channels_list
            ])

        self.content_encoders = encoders()
        self.feature_reencoders = encoders()

    def forward(self, scene: torch.Tensor,
                features: List[torch.Tensor]) -> List[torch.Tensor]:
        """The re-encoded levels, scaled by their scene relation."""
        refined = []
        for feat, scene_enc, content_enc, reenc in zip(
                features, self.scene_encoder, self.content_encoders,
                self.feature_reencoders):
            relation = torch.sigmoid(
                (scene_enc(scene) * content_enc(feat)).sum(dim=1,
                                                           keepdim=True))
            refined.append(relation * reenc(feat))
        return refined


class Upsample2x(nn.Module):
    """2x bilinear upsampling with aligned corners (no parameters)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Upsample ``x``."""
        return F.interpolate(x, scale_factor=2, mode='bilinear',
                             align_corners=True)


class _LightWeightDecoder(BaseModule):
    """Brings every level to one stride and averages them.

    Args:
        in_channels (int): Channels of each level.
        out_channels (int): Output channels.
        in_feature_output_strides (sequence[int]): Stride of each level.
        out_feature_output_stride (int): Output stride. Defaults to 4.
        norm_cfg (dict): Norm config (open-cd hard-codes SyncBN here; the
            head passes its own ``norm_cfg``, SyncBN in open-cd's configs).
        act_cfg (dict): Activation config. Defaults to ReLU.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 in_feature_output_strides: Sequence[int] = (4, 8, 16, 32),
                 out_feature_output_stride: int = 4,
                 norm_cfg: dict = dict(type='SyncBN', requires_grad=True),
                 act_cfg: dict = dict(type='ReLU')) -> None:
        super().__init__()
        self.blocks = nn.ModuleList()
        for stride in in_feature_output_strides:
            ups = int(math.log2(stride)) - int(
                math.log2(out_feature_output_stride))
            self.blocks.append(
                nn.Sequential(*[
                    nn.Sequential(
                        ConvModule(in_channels if i == 0 else out_channels,
                                   out_channels, 3, padding=1, bias=False,
                                   norm_cfg=norm_cfg, act_cfg=act_cfg),
                        Upsample2x() if ups else nn.Identity())
                    for i in range(max(ups, 1))
                ]))

    def forward(self, features: List[torch.Tensor]) -> torch.Tensor:
        """Mean of the decoded levels."""
        decoded = [block(feat) for block, feat in zip(self.blocks, features)]
        return sum(decoded) / len(decoded)


@MODELS.register_module()
class FarSegHead(BaseDecodeHead):
    """FarSeg decoder head.

    Args:
        fsr_channels (int): Channels of the relation module's output.
        **kwargs: :class:`BaseDecodeHead` arguments; ``in_channels`` lists
            the levels then the scene embedding.
    """

    def __init__(self, fsr_channels: int, **kwargs) -> None:
        super().__init__(input_transform='multiple_select', **kwargs)
        self._fsr = _FSRelation(self.in_channels[-1], self.in_channels[:-1],
                                fsr_channels, self.norm_cfg)
        self._decoder = _LightWeightDecoder(fsr_channels, self.channels,
                                            norm_cfg=self.norm_cfg)
        # FarSeg's classifier is a 3x3 conv without padding (open-cd).
        self.conv_seg = nn.Conv2d(self.channels, self.out_channels, 3)

    def _forward_feature(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Decoded features at stride 4, before the classifier."""
        inputs = self._transform_inputs(inputs)
        return self._decoder(self._fsr(inputs[-1], inputs[:-1]))

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Class logits."""
        return self.cls_seg(self._forward_feature(inputs))
