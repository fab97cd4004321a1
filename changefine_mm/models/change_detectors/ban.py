"""BAN: a foundation model plus a bi-temporal adapter network.

Li et al., "A New Learning Paradigm for Foundation Model-based Remote
Sensing Change Detection", TGRS 2024: a (frozen) foundation-model image
encoder reads each date resized to its native resolution; the
:class:`BitemporalAdapterHead` reads the full-resolution dates and fuses
the encoder's features. Registry name and arguments are open-cd's
``BAN``; its checkpoints (``image_encoder.*``, ``decode_head.*``) load
strictly.
"""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.utils import OptSampleList, SampleList, add_prefix

from changefine_mm.registry import MODELS


@MODELS.register_module()
class BAN(BaseSegmentor):
    """Foundation-model encoder + bi-temporal adapter head.

    Args:
        image_encoder (dict): The foundation model (e.g.
            ``mmseg.VisionTransformer`` with CLIP's arrangement).
        decode_head (dict): A ``BitemporalAdapterHead``.
        train_cfg (dict, optional): Training config.
        test_cfg (dict, optional): Testing config (``mode`` 'whole' or
            'slide' with ``crop_size`` and ``stride``).
        data_preprocessor (dict, optional): Data pre-processor config.
        pretrained (str, optional): Checkpoint of the foundation model,
            loaded by the encoder's ``Pretrained_Part`` init.
        asymetric_input (bool): Resize the images fed to the encoder to
            ``encoder_resolution`` (open-cd's spelling).
        encoder_resolution (dict, optional): ``F.interpolate`` arguments
            (``size``, ``mode``) for the encoder's input.
        init_cfg (dict, optional): Initialisation config.
    """

    # Inference is EncoderDecoder's (whole / sliding window) around
    # ``encode_decode``, exactly as open-cd's BAN repeats it.
    predict = EncoderDecoder.predict
    inference = EncoderDecoder.inference
    slide_inference = EncoderDecoder.slide_inference
    whole_inference = EncoderDecoder.whole_inference

    def __init__(self,
                 image_encoder: dict,
                 decode_head: dict,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 asymetric_input: bool = True,
                 encoder_resolution: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if asymetric_input and encoder_resolution is None:
            raise ValueError(
                'BAN: asymetric_input=True needs encoder_resolution, e.g. '
                "dict(size=(224, 224), mode='bilinear')")
        if pretrained is not None:
            image_encoder.init_cfg = dict(type='Pretrained_Part',
                                          checkpoint=pretrained)
            decode_head.init_cfg = dict(type='Pretrained_Part',
                                        checkpoint=pretrained)
        self.asymetric_input = asymetric_input
        self.encoder_resolution = encoder_resolution
        self.image_encoder = MODELS.build(image_encoder)
        self.decode_head = MODELS.build(decode_head)
        self.align_corners = self.decode_head.align_corners
        self.num_classes = self.decode_head.num_classes
        self.out_channels = self.decode_head.out_channels
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    def extract_feat(self, inputs: torch.Tensor) -> list:
        """The foundation model's features of one date's images."""
        return self.image_encoder(inputs)

    def _head_inputs(self, inputs: torch.Tensor) -> list:
        """``[img_a, img_b, features_a, features_b]`` from (B, 6, H, W)."""
        img_a, img_b = torch.split(inputs, 3, dim=1)
        enc_a, enc_b = img_a, img_b
        if self.asymetric_input:
            enc_a = F.interpolate(enc_a, **self.encoder_resolution)
            enc_b = F.interpolate(enc_b, **self.encoder_resolution)
        return [img_a, img_b, self.extract_feat(enc_a),
                self.extract_feat(enc_b)]

    def encode_decode(self, inputs: torch.Tensor,
                      batch_img_metas: List[dict]) -> torch.Tensor:
        """Change logits resized to the input.

        Args:
            inputs (Tensor): (B, 6, H, W) stacked dates.
            batch_img_metas (list[dict]): Image meta information.

        Returns:
            Tensor: (B, num_classes, H, W) logits.
        """
        return self.decode_head.predict(self._head_inputs(inputs),
                                        batch_img_metas, self.test_cfg)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """Decode-head losses, prefixed 'decode.'.

        Args:
            inputs (Tensor): (B, 6, H, W) stacked dates.
            data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: The losses.
        """
        losses = self.decode_head.loss(self._head_inputs(inputs),
                                       data_samples, self.train_cfg)
        return add_prefix(losses, 'decode')

    def _forward(self, inputs: torch.Tensor,
                 data_samples: OptSampleList = None) -> torch.Tensor:
        """The head's raw logits (``mode='tensor'``)."""
        return self.decode_head.forward(self._head_inputs(inputs))
