"""ViTSAM_Custom: mmpretrain's SAM image encoder with configurable layers.

open-cd's ``ViTSAM_Custom`` (opencd/models/backbones/vit_sam.py) is
mmpretrain's ``ViTSAM`` except that an entry of ``layer_cfgs`` with a
``type`` builds that registered layer (Time Travelling Pixels uses
:class:`TimeFusionTransformerEncoderLayer`) instead of mmpretrain's
``TransformerEncoderLayer``. This subclass keeps mmpretrain's encoder
(patch embedding, position embeddings, neck, checkpoint hooks) and only
swaps those layers, so the state-dict names are mmpretrain's and open-cd's.
Needs the ``ttp`` extra (mmpretrain).
"""
import inspect
from typing import List, Sequence, Union

import numpy as np

from changefine_mm.registry import MODELS
from ..utils.optional_mmpretrain import ViTSAM

LayerCfgs = Union[dict, Sequence[dict]]


@MODELS.register_module()
class ViTSAM_Custom(ViTSAM):
    """SAM's ViT image encoder whose layers may be registered types.

    Args:
        *args: mmpretrain ``ViTSAM`` arguments (``arch``, ``img_size``,
            ``patch_size``, ``out_channels``, ``window_size``, ...).
        layer_cfgs (dict | sequence[dict]): Per-layer overrides (one dict
            for all layers, or one per layer). An override with ``type``
            builds that layer from the registry with the layer's settings
            (dims, heads, window, relative positions, drop path) plus the
            override.
        **kwargs: mmpretrain ``ViTSAM`` keyword arguments.
    """

    def __init__(self, *args, layer_cfgs: LayerCfgs = dict(),
                 **kwargs) -> None:
        super().__init__(*args, layer_cfgs=self._untyped(layer_cfgs),
                         **kwargs)
        bound = inspect.signature(ViTSAM.__init__).bind(
            self, *args, **kwargs)
        bound.apply_defaults()
        settings = bound.arguments
        dpr = np.linspace(0, settings['drop_path_rate'], self.num_layers)
        for i, cfg in enumerate(self._per_layer(layer_cfgs)):
            if 'type' not in cfg:
                continue
            window = (0 if i in self.global_attn_indexes else
                      settings['window_size'])
            self.layers[i] = MODELS.build(dict(
                dict(embed_dims=self.embed_dims,
                     num_heads=self.arch_settings['num_heads'],
                     feedforward_channels=self.arch_settings[
                         'feedforward_channels'],
                     drop_rate=settings['drop_rate'],
                     drop_path_rate=dpr[i],
                     qkv_bias=settings['qkv_bias'],
                     window_size=window,
                     input_size=self.patch_resolution,
                     use_rel_pos=settings['use_rel_pos'],
                     norm_cfg=settings['norm_cfg']), **cfg))
        if self.frozen_stages > 0:
            self._freeze_stages()

    def _per_layer(self, layer_cfgs: LayerCfgs) -> List[dict]:
        """One override per layer (mmpretrain has checked the count)."""
        if isinstance(layer_cfgs, dict):
            return [layer_cfgs] * self.num_layers
        return list(layer_cfgs)[:self.num_layers]

    @staticmethod
    def _untyped(layer_cfgs: LayerCfgs) -> LayerCfgs:
        """The overrides mmpretrain's own layer accepts (without type)."""
        if isinstance(layer_cfgs, dict):
            return {k: v for k, v in layer_cfgs.items() if k != 'type'}
        return [{k: v for k, v in cfg.items() if k != 'type'}
                for cfg in layer_cfgs]
