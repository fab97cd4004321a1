"""The ``features`` trunk of a torchvision classifier, for CD backbones.

open-cd's CGNet, IFN and TinyCD slice the ``features`` of torchvision's
VGG-16(-BN) and EfficientNet-B4 and keep torchvision's module names, so
their checkpoints name e.g. ``down1.5.weight``. Building the same trunk
from the installed torchvision keeps those names without copying code.
"""
from typing import Union

import torch
import torchvision
from torch import nn
from torchvision.models import vgg

from .strict_weight_loading import load_weights_strictly

# torchvision's VGG layer configurations by model name.
VGG_CFGS = {'vgg11': 'A', 'vgg13': 'B', 'vgg16': 'D', 'vgg19': 'E'}


def _vgg_features(arch: str) -> nn.Sequential:
    """VGG ``features`` alone, initialised as torchvision's VGG does.

    Building the whole classifier would allocate and initialise its
    ~120M-parameter fully connected layers only to drop them.
    """
    features = vgg.make_layers(vgg.cfgs[VGG_CFGS[arch.replace('_bn', '')]],
                               batch_norm=arch.endswith('_bn'))
    for module in features.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode='fan_out',
                                    nonlinearity='relu')
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    return features


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
    if arch.replace('_bn', '') in VGG_CFGS:
        trunk = _vgg_features(arch)
    else:
        trunk = getattr(torchvision.models, arch)(weights=None).features
    if pretrained is True:
        weights = torchvision.models.get_model_weights(arch)['IMAGENET1K_V1']
        state, source = weights.get_state_dict(progress=True), weights.url
    elif isinstance(pretrained, str):
        state = torch.load(pretrained, map_location='cpu', weights_only=True)
        source = pretrained
    else:
        return trunk
    state = {
        k[len('features.'):]: v
        for k, v in state.items() if k.startswith('features.')
    }
    load_weights_strictly(trunk, state, source)
    return trunk
