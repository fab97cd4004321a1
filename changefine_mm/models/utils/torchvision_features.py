"""The ``features`` trunk of a torchvision classifier, for CD backbones.

open-cd's CGNet, IFN and TinyCD slice the ``features`` of torchvision's
VGG-16(-BN) and EfficientNet-B4 and keep torchvision's module names, so
their checkpoints name e.g. ``down1.5.weight``. Building the same trunk
from the installed torchvision keeps those names without copying code.
"""
from typing import Optional, Union

import torch
import torchvision
from torch import nn

from .strict_weight_loading import load_weights_strictly


def torchvision_features(arch: str,
                         pretrained: Union[bool, str, None] = None
                         ) -> nn.Sequential:
    """Build ``torchvision.models.<arch>().features``.

    Args:
        arch (str): A torchvision classification model, e.g. ``'vgg16_bn'``.
        pretrained (bool | str, optional): ``True`` loads torchvision's
            ImageNet weights (``IMAGENET1K_V1``, what open-cd's
            ``pretrained=True`` means; torchvision downloads them once into
            its cache). A path loads a local copy of that torchvision
            checkpoint (the whole classifier's state dict). ``None`` or
            ``False`` keeps the random initialisation.

    Returns:
        nn.Sequential: The feature trunk, with torchvision's child names.
    """
    if not hasattr(torchvision.models, arch):
        raise ValueError(f'torchvision has no model named {arch!r}')
    weights: Optional[object] = None
    if pretrained is True:
        weights = torchvision.models.get_model_weights(arch)['IMAGENET1K_V1']
    trunk = getattr(torchvision.models, arch)(weights=weights).features
    if isinstance(pretrained, str):
        state = torch.load(pretrained, map_location='cpu', weights_only=True)
        state = {
            k[len('features.'):]: v
            for k, v in state.items() if k.startswith('features.')
        }
        load_weights_strictly(trunk, state, pretrained)
    return trunk
