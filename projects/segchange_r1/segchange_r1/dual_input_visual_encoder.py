"""DualInputVisualEncoder: shared timm backbone + per-scale BEV converters."""
import copy
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import timm
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.registry import DefaultScope

from changefine_mm.models.utils.strict_weight_loading import \
    load_weights_strictly
from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file


@MODELS.register_module()
class DualInputVisualEncoder(BaseModule):
    """Encode both dates with one timm backbone and map them to BEV space.

    Paper section 3.1.1 (multi-scale visual encoder) and 3.2; official
    class ``models/encoders/encoder.py::DualInputVisualEncoder``. For each
    selected stage the features of both dates go through a 1x1 convolution
    to ``out_channels[i]`` and through the same BEV module of that scale
    (:class:`BEVLinearAttention` by default, or :class:`BEVTransformer`).
    There is no paper/official difference, hence no ``mode``.

    The backbone is any timm model with ``forward_intermediates`` (Swin,
    ResNet, ConvNeXt, ...): the official choices are
    ``swin_base_patch4_window7_224`` with ``out_indices=(0, 1, 2, 3)`` and
    ``resnet50`` with ``out_indices=(1, 2, 3, 4)``. Nothing is downloaded:
    ``checkpoint`` is a local file in timm's key layout (or in a layout
    that the model's own timm ``checkpoint_filter_fn`` converts, such as
    the original Swin release), loaded with weights_only rules.

    Args:
        model_name (str): timm model name.
        out_indices (sequence[int]): Backbone stages to use, shallow first.
        out_channels (sequence[int]): Channels after the 1x1 convolution,
            one per stage.
        bev (dict): Config of the BEV module (without channels).
        checkpoint (str, optional): Local backbone weights. None keeps the
            random initialisation.
        timm_kwargs (dict, optional): Extra ``timm.create_model`` arguments
            (``img_size``, ``strict_img_size``, tiny test dimensions, ...).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 model_name: str = 'swin_base_patch4_window7_224',
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 out_channels: Sequence[int] = (256, 256, 256, 256),
                 bev: Optional[dict] = None,
                 checkpoint: Optional[str] = None,
                 timm_kwargs: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(out_indices) != len(out_channels):
            raise ValueError(
                f'out_indices {tuple(out_indices)} and out_channels '
                f'{tuple(out_channels)} must have the same length')
        self.out_indices = list(out_indices)
        self.encoder = timm.create_model(
            model_name, pretrained=False, **(timm_kwargs or {}))
        if checkpoint is not None:
            load_timm_weights(self.encoder, checkpoint)
        in_channels = self._stage_channels(model_name)
        self.encoder.prune_intermediate_layers(self.out_indices,
                                               prune_head=True)
        self.lateral_convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size=1)
            for c_in, c_out in zip(in_channels, out_channels))
        bev = bev or dict(type='BEVLinearAttention')
        with DefaultScope.overwrite_default_scope('changefine_mm'):
            self.bev = nn.ModuleList(
                MODELS.build(dict(copy.deepcopy(bev), in_channels=c,
                                  out_channels=c)) for c in out_channels)

    def _stage_channels(self, model_name: str) -> List[int]:
        info = getattr(self.encoder, 'feature_info', None)
        if not hasattr(self.encoder, 'forward_intermediates') or not info:
            raise ValueError(f'timm model {model_name!r} has no '
                             'forward_intermediates/feature_info, so its '
                             'stages cannot be read')
        bad = [i for i in self.out_indices if not 0 <= i < len(info)]
        if bad:
            raise ValueError(f'out_indices {bad} out of range: {model_name} '
                             f'has {len(info)} feature stages')
        return [info[i]['num_chs'] for i in self.out_indices]

    def encode(self, image: torch.Tensor) -> List[torch.Tensor]:
        """Multi-scale features of one date (after the 1x1 convolutions).

        Args:
            image (Tensor): (B, 3, H, W) normalised image.

        Returns:
            list[Tensor]: One (B, out_channels[i], H_i, W_i) map per stage.
        """
        feats = self.encoder.forward_intermediates(
            image, indices=self.out_indices, intermediates_only=True)
        return [conv(f) for conv, f in zip(self.lateral_convs, feats)]

    def forward(self, img_from: torch.Tensor, img_to: torch.Tensor
                ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """BEV features of both dates.

        Args:
            img_from (Tensor): (B, 3, H, W) date A.
            img_to (Tensor): (B, 3, H, W) date B.

        Returns:
            tuple[list[Tensor], list[Tensor]]: Per-scale features of A and
            of B.
        """
        feats_from = [b(f) for b, f in zip(self.bev, self.encode(img_from))]
        feats_to = [b(f) for b, f in zip(self.bev, self.encode(img_to))]
        return feats_from, feats_to


def load_timm_weights(model: nn.Module, checkpoint: str) -> None:
    """Load a local weight file into a freshly built timm model.

    The classifier head may be missing or differ (it is pruned anyway);
    every other weight must be present with the right shape.

    Args:
        model (nn.Module): The timm model (before pruning).
        checkpoint (str): Path of the weight file.

    Raises:
        ValueError: If backbone weights are missing or have other shapes.
    """
    state_dict = _unwrap(load_checkpoint_file(checkpoint), checkpoint)
    # timm's own converter for the model family (e.g. the original Swin
    # release layout), the same one its pretrained loading uses.
    filter_fn = getattr(sys.modules[type(model).__module__],
                        'checkpoint_filter_fn', None)
    if filter_fn is not None:
        state_dict = filter_fn(state_dict, model)
    load_weights_strictly(model, state_dict, checkpoint,
                          own_keys=_head_prefixes(model))


def _unwrap(content, source: str) -> Dict[str, torch.Tensor]:
    for key in ('state_dict', 'model', 'state_dict_ema'):
        if isinstance(content, dict) and isinstance(content.get(key), dict):
            content = content[key]
            break
    if not isinstance(content, dict):
        raise ValueError(f'{source} does not hold a state dict but a '
                         f'{type(content).__name__}')
    return {(k[len('module.'):] if k.startswith('module.') else k): v
            for k, v in content.items()}


def _head_prefixes(model: nn.Module) -> Tuple[str, ...]:
    classifier = model.pretrained_cfg.get('classifier', 'head') \
        if hasattr(model, 'pretrained_cfg') else 'head'
    names = classifier if isinstance(classifier, (list, tuple)) else [
        classifier
    ]
    return tuple(f'{name}.' for name in names) + ('head.', 'fc.')
