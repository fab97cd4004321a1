"""CGNet: the Change Guiding Network (Han et al., JSTARS 2023).

open-cd's ``CGNet`` backbone (opencd/models/backbones/cgnet.py), with its
state-dict names: a Siamese VGG-16-BN encoder (``inc``, ``down1`` ..
``down4``, torchvision's child indices), per-level fusion of the two dates
(``conv_reduce_*``), a coarse change map from the deepest level
(``decoder``) that guides self-attention at levels 4, 3 and 2 (``cgm_*``),
and the final map (``decoder_final``).

Registered in our scope, ``type='CGNet'`` means this change detector, not
mmseg's unrelated semantic-segmentation CGNet (still ``mmseg.CGNet``).
"""
from typing import Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import nn

from changefine_mm.registry import MODELS
from ..utils.torchvision_features import torchvision_features

# VGG-16-BN ``features`` slices ending at each max-pool: 64, 128, 256, 512
# and 512 channels.
VGG_STAGES = ((0, 5), (5, 12), (12, 22), (22, 32), (32, 42))


def conv_bn_relu(in_channels: int, out_channels: int) -> ConvModule:
    """3x3 conv (no bias), BN, ReLU: open-cd's ``BasicConv2d`` layout."""
    return ConvModule(in_channels, out_channels, 3, padding=1,
                      norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'))


def upsample(x: torch.Tensor, size) -> torch.Tensor:
    """Bilinear resize with aligned corners, as everywhere in CGNet."""
    return F.interpolate(x, size, mode='bilinear', align_corners=True)


class ChangeGuideModule(nn.Module):
    """Self-attention whose query, key and value are boosted by a change
    map: ``(1 + sigmoid(map))`` scales each projection.

    Args:
        channels (int): Channels of the features.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.query_conv = nn.Conv2d(channels, channels // 8, 1)
        self.key_conv = nn.Conv2d(channels, channels // 8, 1)
        self.value_conv = nn.Conv2d(channels, channels, 1)
        # Starts at 0: the module begins as the identity.
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor,
                change_map: torch.Tensor) -> torch.Tensor:
        """Attend over all positions of ``x``.

        Args:
            x (Tensor): Features (B, C, H, W).
            change_map (Tensor): Coarse change logits (B, 1, h, w).

        Returns:
            Tensor: ``gamma * attention(x) + x``.
        """
        batch, channels, height, width = x.shape
        guide = 1 + torch.sigmoid(upsample(change_map, (height, width)))
        query = (self.query_conv(x) * guide).flatten(2)
        key = (self.key_conv(x) * guide).flatten(2)
        value = (self.value_conv(x) * guide).flatten(2)
        attention = torch.softmax(torch.bmm(query.transpose(1, 2), key), -1)
        out = torch.bmm(value, attention.transpose(1, 2))
        return self.gamma * out.view(batch, channels, height, width) + x


@MODELS.register_module()
class CGNet(nn.Module):
    """CGNet change detector backbone; outputs ``(change_map, final_map)``.

    Both maps are 1-channel logits at the input size: open-cd's config
    supervises the coarse map with an ``IdentityHead`` auxiliary head
    (``in_index=0``) and predicts with the final one (``in_index=-1``).

    Args:
        pretrained (bool | str, optional): ImageNet weights of the VGG-16-BN
            encoder: ``True`` for torchvision's (downloaded once into its
            cache, as open-cd does), a local torchvision checkpoint path, or
            ``None``/``False`` for none.
    """

    def __init__(self, pretrained: Union[bool, str, None] = True) -> None:
        super().__init__()
        vgg = torchvision_features('vgg16_bn', pretrained)
        for name, (start, stop) in zip(
                ('inc', 'down1', 'down2', 'down3', 'down4'), VGG_STAGES):
            self.add_module(name, vgg[start:stop])
        self.conv_reduce_1 = conv_bn_relu(128 * 2, 128)
        self.conv_reduce_2 = conv_bn_relu(256 * 2, 256)
        self.conv_reduce_3 = conv_bn_relu(512 * 2, 512)
        self.conv_reduce_4 = conv_bn_relu(512 * 2, 512)
        # Built but unused by open-cd's forward; kept for its checkpoints.
        self.up_layer4 = conv_bn_relu(512, 512)
        self.up_layer3 = conv_bn_relu(512, 512)
        self.up_layer2 = conv_bn_relu(256, 256)
        self.decoder = nn.Sequential(conv_bn_relu(512, 64),
                                     nn.Conv2d(64, 1, 3, padding=1))
        self.decoder_final = nn.Sequential(conv_bn_relu(128, 64),
                                           nn.Conv2d(64, 1, 1))
        self.cgm_2 = ChangeGuideModule(256)
        self.cgm_3 = ChangeGuideModule(512)
        self.cgm_4 = ChangeGuideModule(512)
        self.decoder_module4 = conv_bn_relu(1024, 512)
        self.decoder_module3 = conv_bn_relu(768, 256)
        self.decoder_module2 = conv_bn_relu(384, 128)

    def encode(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """VGG levels 1-4 (strides 2, 4, 8, 16) of one date."""
        x = self.inc(x)
        feats = []
        for stage in (self.down1, self.down2, self.down3, self.down4):
            x = stage(x)
            feats.append(x)
        return tuple(feats)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Predict the coarse and the final change logits.

        Args:
            x1 (Tensor): Date A, (B, 3, H, W), H and W divisible by 32.
            x2 (Tensor): Date B.

        Returns:
            tuple[Tensor, Tensor]: ``(change_map, final_map)``, each
            (B, 1, H, W).
        """
        size = x1.shape[2:]
        reducers = (self.conv_reduce_1, self.conv_reduce_2,
                    self.conv_reduce_3, self.conv_reduce_4)
        # Date B first: the fusion convs were trained on cat(B, A).
        fused = [
            reduce(torch.cat([b, a], dim=1)) for reduce, a, b in zip(
                reducers, self.encode(x1), self.encode(x2))
        ]
        change_map = self.decoder(upsample(fused[3], fused[0].shape[2:]))
        x = self.cgm_4(fused[3], change_map)
        for decode, guide, skip in (
                (self.decoder_module4, self.cgm_3, fused[2]),
                (self.decoder_module3, self.cgm_2, fused[1])):
            x = decode(torch.cat([self.up2(x), skip], dim=1))
            x = guide(x, change_map)
        x = self.decoder_module2(torch.cat([self.up2(x), fused[0]], dim=1))
        final_map = upsample(self.decoder_final(x), size)
        return upsample(change_map, size), final_map

    @staticmethod
    def up2(x: torch.Tensor) -> torch.Tensor:
        """2x bilinear upsampling with aligned corners."""
        return F.interpolate(x, scale_factor=2, mode='bilinear',
                             align_corners=True)
