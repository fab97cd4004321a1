"""TinyCD (Codegoni et al., "TINYCD: A (Not So) Deep Learning Model For
Change Detection", 2022).

open-cd's ``TinyCD`` backbone (opencd/models/backbones/tinycd.py, itself
from github.com/AndreaCodegoni/Tiny_model_4_CD), with its state-dict names:
the first four blocks of torchvision's EfficientNet-B4 as a Siamese encoder
(``_backbone``), Mix and Attention Mask Blocks that interleave the two
dates' channels and mix them with grouped convolutions (``_first_mix``,
``_mixing_mask``), upsampling blocks gated by the skip masks (``_up``) and
a pixel-wise MLP classifier (``_classify``) giving 1-channel logits.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from changefine_mm.registry import MODELS
from ..utils.torchvision_features import torchvision_features


class PixelwiseLinear(nn.Module):
    """1x1 convs, each followed by a PReLU.

    Args:
        channels_in (sequence[int]): Input channels of the layers.
        channels_out (sequence[int]): Output channels of the layers.
    """

    def __init__(self, channels_in: Sequence[int],
                 channels_out: Sequence[int]) -> None:
        super().__init__()
        if len(channels_in) != len(channels_out):
            raise ValueError('channels_in and channels_out differ in length')
        self._linears = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(cin, cout, 1), nn.PReLU())
            for cin, cout in zip(channels_in, channels_out)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layers."""
        return self._linears(x)


class MixingBlock(nn.Module):
    """Interleave the channels of both dates (a1, b1, a2, b2, ...) and mix
    each pair with a grouped 3x3 conv, PReLU and instance norm.

    Args:
        channels_in (int): Channels of both dates together.
        channels_out (int): Output channels (= conv groups).
    """

    def __init__(self, channels_in: int, channels_out: int) -> None:
        super().__init__()
        self._convmix = nn.Sequential(
            nn.Conv2d(channels_in, channels_out, 3, padding=1,
                      groups=channels_out), nn.PReLU(),
            nn.InstanceNorm2d(channels_out))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mix date features ``x`` and ``y`` of equal shape."""
        batch, _, height, width = x.shape
        mixed = torch.stack((x, y), dim=2).reshape(batch, -1, height, width)
        return self._convmix(mixed)


class MixingMaskAttentionBlock(nn.Module):
    """Mixing followed by a pixel-wise MLP: a mask from the two dates.

    Args:
        channels_in (int): Channels of both dates together.
        channels_out (int): Channels after mixing.
        mlp_in (sequence[int]): Input channels of the MLP layers.
        mlp_out (sequence[int]): Output channels of the MLP layers.
        generate_masked (bool): Multiply the mask by a second mixing and
            normalise (unused by TinyCD's configuration). Defaults to False.
    """

    def __init__(self,
                 channels_in: int,
                 channels_out: int,
                 mlp_in: Sequence[int],
                 mlp_out: Sequence[int],
                 generate_masked: bool = False) -> None:
        super().__init__()
        self._mixing = MixingBlock(channels_in, channels_out)
        self._linear = PixelwiseLinear(mlp_in, mlp_out)
        self._final_normalization = (nn.InstanceNorm2d(channels_out)
                                     if generate_masked else None)
        self._mixing_out = (MixingBlock(channels_in, channels_out)
                            if generate_masked else None)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The mask of dates ``x`` and ``y``."""
        mask = self._linear(self._mixing(x, y))
        if self._mixing_out is None:
            return mask
        return self._final_normalization(self._mixing_out(x, y) * mask)


class UpMask(nn.Module):
    """2x upsampling, optional gating by a skip mask, then a depth-wise and
    a point-wise conv (each with PReLU and instance norm).

    Args:
        scale_factor (float): Upsampling factor.
        channels_in (int): Input channels.
        channels_out (int): Output channels.
    """

    def __init__(self, scale_factor: float, channels_in: int,
                 channels_out: int) -> None:
        super().__init__()
        self._upsample = nn.Upsample(scale_factor=scale_factor,
                                     mode='bilinear', align_corners=True)
        self._convolution = nn.Sequential(
            nn.Conv2d(channels_in, channels_in, 3, padding=1,
                      groups=channels_in), nn.PReLU(),
            nn.InstanceNorm2d(channels_in),
            nn.Conv2d(channels_in, channels_out, 1), nn.PReLU(),
            nn.InstanceNorm2d(channels_out))

    def forward(self, x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Upsample ``x`` and gate it by ``mask`` when given."""
        x = self._upsample(x)
        if mask is not None:
            x = x * mask
        return self._convolution(x)


@MODELS.register_module()
class TinyCD(nn.Module):
    """TinyCD change detector backbone; outputs ``(logits, )`` with one
    channel at the input size, read by an ``IdentityHead``.

    The mixing widths are those of EfficientNet-B4's blocks 1-3 (24, 32
    and 56 channels), as in open-cd, so ``bkbn_name`` and
    ``output_layer_bkbn`` only accept TinyCD's values.

    Args:
        in_channels (int): Channels per date; must be 3 (RGB trunk).
        bkbn_name (str): torchvision trunk. Defaults to 'efficientnet_b4'.
        pretrained (bool | str, optional): ImageNet weights of the trunk:
            ``True`` for torchvision's (downloaded once into its cache, as
            open-cd does), a local torchvision checkpoint path, or
            ``None``/``False``. Defaults to True.
        output_layer_bkbn (str): Last trunk block used. Defaults to '3'.
        freeze_backbone (bool): Freeze the trunk. Defaults to False.
    """

    def __init__(self,
                 in_channels: int = 3,
                 bkbn_name: str = 'efficientnet_b4',
                 pretrained: Union[bool, str, None] = True,
                 output_layer_bkbn: str = '3',
                 freeze_backbone: bool = False) -> None:
        super().__init__()
        if (in_channels, bkbn_name, str(output_layer_bkbn)) != (
                3, 'efficientnet_b4', '3'):
            raise ValueError(
                'TinyCD is built for 3-channel dates through blocks 0-3 of '
                "efficientnet_b4; got in_channels={}, bkbn_name={!r}, "
                'output_layer_bkbn={!r}'.format(in_channels, bkbn_name,
                                                output_layer_bkbn))
        trunk = torchvision_features(bkbn_name, pretrained)
        self._backbone = nn.ModuleList(
            list(trunk.children())[:int(output_layer_bkbn) + 1])
        self._backbone.requires_grad_(not freeze_backbone)
        self._first_mix = MixingMaskAttentionBlock(6, 3, [3, 10, 5],
                                                   [10, 5, 1])
        self._mixing_mask = nn.ModuleList([
            MixingMaskAttentionBlock(48, 24, [24, 12, 6], [12, 6, 1]),
            MixingMaskAttentionBlock(64, 32, [32, 16, 8], [16, 8, 1]),
            MixingBlock(112, 56),
        ])
        self._up = nn.ModuleList(
            [UpMask(2, 56, 64),
             UpMask(2, 64, 64),
             UpMask(2, 64, 32)])
        self._classify = PixelwiseLinear([32, 16], [16, 1])

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor]:
        """Change logits of the pair.

        Args:
            x1 (Tensor): Date A, (B, 3, H, W), H and W divisible by 8.
            x2 (Tensor): Date B.

        Returns:
            tuple[Tensor]: Logits (B, 1, H, W).
        """
        masks = self.encode(x1, x2)
        x = masks[-1]
        for up, skip in zip(self._up, reversed(masks[:-1])):
            x = up(x, skip)
        return (self._classify(x), )

    def encode(self, x1: torch.Tensor,
               x2: torch.Tensor) -> List[torch.Tensor]:
        """Masks at strides 1, 2, 4 and the mixed features at stride 8."""
        masks = [self._first_mix(x1, x2)]
        for index, block in enumerate(self._backbone):
            x1, x2 = block(x1), block(x2)
            if index > 0:  # block 0 (the stem) is only encoded
                masks.append(self._mixing_mask[index - 1](x1, x2))
        return masks
