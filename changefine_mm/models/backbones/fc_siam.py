"""FC-EF, FC-Siam-conc and FC-Siam-diff (Daudt et al., ICIP 2018).

Fully convolutional U-Nets for change detection, with open-cd's module and
parameter names (``conv11``, ``bn11``, ..., ``upconv4``, ``conv43d``, ...), so
open-cd checkpoints load with ``strict=True``. The three variants share the
encoder and decoder layout and differ only in how the dates meet:

* ``FC_EF``: early fusion, the two dates are stacked on the channel axis;
* ``FC_Siam_conc``: a shared (Siamese) encoder, both dates' skip features
  are concatenated in the decoder;
* ``FC_Siam_diff``: a shared encoder, the absolute difference of the skip
  features enters the decoder.

Each returns a 1-tuple holding the ``base_channel``-wide full-resolution map
for a decode head (open-cd uses ``mmseg.FCNHead`` with ``num_convs=0``).
"""
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS

# (stage, number of convs) of the 4-stage encoder.
_STAGES = ((1, 2), (2, 2), (3, 3), (4, 3))
_DROPOUT = 0.2


class _FCBase(BaseModule):
    """Encoder/decoder layers shared by the three FC variants.

    Args:
        in_channels (int): Channels of the encoder input.
        base_channel (int): Width of stage 1; stage k has
            ``base_channel * 2**(k-1)``.
        skip_inputs (int): How many skip maps join the up-sampled map at
            each decoder stage (1 for EF and diff, 2 for conc).
    """

    def __init__(self, in_channels: int, base_channel: int,
                 skip_inputs: int) -> None:
        super().__init__()
        widths = [base_channel * 2**k for k in range(4)]
        in_width = in_channels
        for stage, convs in _STAGES:
            width = widths[stage - 1]
            for i in range(1, convs + 1):
                self._add_unit(f'{stage}{i}', nn.Conv2d(in_width, width, 3,
                                                        padding=1))
                in_width = width
        for stage, convs in reversed(_STAGES):
            width = widths[stage - 1]
            setattr(self, f'upconv{stage}',
                    nn.ConvTranspose2d(width, width, 3, padding=1, stride=2,
                                       output_padding=1))
            in_width = width * (1 + skip_inputs)
            for i in range(convs, 0, -1):
                out = widths[stage - 2] if i == 1 and stage > 1 else width
                conv = nn.ConvTranspose2d(in_width, out, 3, padding=1)
                if stage == 1 and i == 1:
                    self.conv11d = conv
                else:
                    self._add_unit(f'{stage}{i}d', conv)
                in_width = out

    def _add_unit(self, name: str, conv: nn.Module) -> None:
        setattr(self, f'conv{name}', conv)
        setattr(self, f'bn{name}', nn.BatchNorm2d(conv.out_channels))
        setattr(self, f'do{name}', nn.Dropout2d(p=_DROPOUT))

    def _unit(self, name: str, x: torch.Tensor) -> torch.Tensor:
        conv = getattr(self, f'conv{name}')
        bn = getattr(self, f'bn{name}')
        return getattr(self, f'do{name}')(F.relu(bn(conv(x))))

    def _encode(self, x: torch.Tensor) -> Tuple[List[torch.Tensor],
                                                torch.Tensor]:
        """Return the last map of each stage (skips) and the pooled output."""
        skips = []
        for stage, convs in _STAGES:
            for i in range(1, convs + 1):
                x = self._unit(f'{stage}{i}', x)
            skips.append(x)
            x = F.max_pool2d(x, kernel_size=2, stride=2)
        return skips, x

    def _decode(self, x: torch.Tensor,
                skips: List[List[torch.Tensor]]) -> torch.Tensor:
        """Run the decoder; ``skips[k]`` lists the maps joined at stage k+1."""
        for stage, convs in reversed(_STAGES):
            reference = skips[stage - 1][0]
            x = getattr(self, f'upconv{stage}')(x)
            # Odd input sizes leave the up-sampled map one pixel short.
            x = F.pad(x, (0, reference.size(3) - x.size(3), 0,
                          reference.size(2) - x.size(2)), mode='replicate')
            x = torch.cat([x] + skips[stage - 1], dim=1)
            for i in range(convs, 0, -1):
                if stage == 1 and i == 1:
                    x = self.conv11d(x)
                else:
                    x = self._unit(f'{stage}{i}d', x)
        return x


@MODELS.register_module()
class FC_EF(_FCBase):
    """FC-EF: early fusion of the two dates.

    Args:
        in_channels (int): Channels of both dates together (6 for RGB).
        base_channel (int): Width of the first stage.
    """

    def __init__(self, in_channels: int, base_channel: int = 16) -> None:
        super().__init__(in_channels, base_channel, skip_inputs=1)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor]:
        skips, x = self._encode(torch.cat((x1, x2), dim=1))
        return (self._decode(x, [[s] for s in skips]), )


@MODELS.register_module()
class FC_Siam_conc(_FCBase):
    """FC-Siam-conc: shared encoder, both dates' skips concatenated.

    Args:
        in_channels (int): Channels of one date (3 for RGB).
        base_channel (int): Width of the first stage.
    """

    def __init__(self, in_channels: int, base_channel: int = 16) -> None:
        super().__init__(in_channels, base_channel, skip_inputs=2)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor]:
        skips1, _ = self._encode(x1)
        skips2, x = self._encode(x2)
        return (self._decode(x, [[a, b] for a, b in zip(skips1, skips2)]), )


@MODELS.register_module()
class FC_Siam_diff(_FCBase):
    """FC-Siam-diff: shared encoder, absolute skip differences.

    Args:
        in_channels (int): Channels of one date (3 for RGB).
        base_channel (int): Width of the first stage.
    """

    def __init__(self, in_channels: int, base_channel: int = 16) -> None:
        super().__init__(in_channels, base_channel, skip_inputs=1)

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> Tuple[torch.Tensor]:
        skips1, _ = self._encode(x1)
        skips2, x = self._encode(x2)
        return (self._decode(
            x, [[torch.abs(a - b)] for a, b in zip(skips1, skips2)]), )
