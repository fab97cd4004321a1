"""VisionTransformerTurner: a foundation encoder tuned with LoRA or frozen.

open-cd's ``VisionTransformerTurner`` (opencd/models/backbones/
vit_tuner.py, spelling kept), the backbone wrapper of Time Travelling
Pixels: the encoder is wrapped by peft's LoRA (``get_peft_model``), which
freezes it except for the low-rank adapters (and, with
``bias='lora_only'``, the adapted layers' biases). State-dict names are
peft's (``vision_encoder.base_model.model.<encoder>``, ``qkv.base_layer``,
``qkv.lora_A.default``), as in checkpoints trained with open-cd and the
same peft version; checkpoints saved with peft before 0.7, which named the
adapted layer's own weights ``qkv.weight``, are renamed on loading. Without
``peft_cfg`` the encoder is frozen entirely. LoRA needs the ``ttp`` extra
(peft).
"""
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS
from ..utils.optional_mmpretrain import import_peft

# open-cd's defaults, which peft_cfg updates.
LORA_DEFAULTS = dict(peft_type='LORA', r=16, target_modules=['qkv'],
                     lora_alpha=32, lora_dropout=0.05, bias='none',
                     inference_mode=False)


@MODELS.register_module()
class VisionTransformerTurner(BaseModule):
    """Build an encoder, initialise it, then LoRA-wrap or freeze it.

    Args:
        encoder_cfg (dict): The encoder (e.g. ``ViTSAM_Custom``); its
            ``init_weights`` runs here, as in open-cd, so that a
            ``Pretrained`` init_cfg loads before the adapters are added.
        peft_cfg (dict, optional): peft LoRA settings merged over
            ``LORA_DEFAULTS`` (``r``, ``target_modules``, ``lora_alpha``,
            ``lora_dropout``, ``bias``). None freezes the encoder.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 encoder_cfg: dict,
                 peft_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        encoder = MODELS.build(encoder_cfg)
        encoder.init_weights()
        if isinstance(peft_cfg, dict):
            peft = import_peft()
            config = peft.get_peft_config(dict(LORA_DEFAULTS, **peft_cfg))
            self.vision_encoder = peft.get_peft_model(encoder, config)
            trainable, total = (
                self.vision_encoder.get_nb_trainable_parameters())
            print_log(f'VisionTransformerTurner: {trainable} of {total} '
                      'encoder parameters are trained (LoRA)', 'current')
            self._register_load_state_dict_pre_hook(self._to_base_layer)
        else:
            self.vision_encoder = encoder
            for param in encoder.parameters():
                param.requires_grad = False

    def _to_base_layer(self, state_dict: dict, prefix: str, *args) -> None:
        """Rename pre-0.7 peft keys of the adapted layers
        (``<layer>.weight``) to ``<layer>.base_layer.weight``."""
        for name, module in self.vision_encoder.named_modules():
            if not hasattr(module, 'base_layer'):
                continue
            layer = f'{prefix}vision_encoder.{name}.'
            for key in list(module.base_layer.state_dict()):
                old, new = layer + key, f'{layer}base_layer.{key}'
                if old in state_dict and new not in state_dict:
                    state_dict[new] = state_dict.pop(old)

    def forward(self, x: torch.Tensor) -> tuple:
        """The encoder's outputs for images ``x``."""
        return self.vision_encoder(x)
