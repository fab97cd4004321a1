"""VisionTransformerTurner: a foundation encoder tuned with LoRA or frozen.

open-cd's ``VisionTransformerTurner`` (opencd/models/backbones/
vit_tuner.py, spelling kept), the backbone wrapper of Time Travelling
Pixels: the encoder is wrapped by peft's LoRA (``get_peft_model``), which
freezes it except for the low-rank adapters (and, with
``bias='lora_only'``, the adapted layers' biases). State-dict names are
peft's (``vision_encoder.base_model.model.<encoder>``, ``qkv.base_layer``,
``qkv.lora_A.default``), as in checkpoints trained with open-cd and the
same peft version. Without ``peft_cfg`` the encoder is frozen entirely.
LoRA needs the ``ttp`` extra (peft).
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
        else:
            self.vision_encoder = encoder
            for param in encoder.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> tuple:
        """The encoder's outputs for images ``x``."""
        return self.vision_encoder(x)
