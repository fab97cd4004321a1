"""SegChangeR1: the text-conditioned change detector."""
from typing import List, Optional, Sequence

import torch
from mmengine.registry import DefaultScope
from mmseg.structures import SegDataSample

from changefine_mm.models.change_detectors import BiTemporalEncoderDecoder
from changefine_mm.registry import MODELS


@MODELS.register_module()
class SegChangeR1(BiTemporalEncoderDecoder):
    """SegChange-R1: dual encoder, BEV, difference, FPN, text-driven mask.

    Official class ``models/segchange.py::ChangeModel`` (paper Fig. 2).
    ``backbone(img_from, img_to)`` (:class:`DualInputVisualEncoder`) gives
    both dates' BEV features, ``difference_module``
    (:class:`FeatureDiffModule`) compares them per scale, the ``neck``
    (:class:`LightweightFPN` / :class:`FPNFeatureFuser`) fuses the scales
    and the ``decode_head`` (:class:`TextConditionedMaskHead`) predicts the
    mask from the fused map and the encoded prompt.

    Each sample's prompt is read from its metainfo key ``prompt_key``
    (filled by :class:`PromptCDDataset`; ``MultiImgPackSegInputs`` must list
    the key in ``meta_keys``); a sample without one uses
    ``default_prompt``. Losses, whole/slide inference and the sigmoid
    threshold of the one-channel output are mmseg's.

    Args:
        backbone (dict): Dual-date encoder config.
        difference_module (dict): Per-scale comparison config.
        neck (dict): Scale fusion config.
        decode_head (dict): Mask head config.
        text_encoder (dict): :class:`CLIPTextEncoder` or
            :class:`HFTextEncoder` config.
        default_prompt (str): Prompt of samples without one. Defaults to
            'Buildings with changes.'.
        prompt_key (str): Metainfo key holding the prompt. Defaults to
            'prompt'.
        **kwargs: See :class:`BiTemporalEncoderDecoder`.
    """

    def __init__(self,
                 backbone: dict,
                 difference_module: dict,
                 neck: dict,
                 decode_head: dict,
                 text_encoder: dict,
                 default_prompt: str = 'Buildings with changes.',
                 prompt_key: str = 'prompt',
                 **kwargs) -> None:
        super().__init__(backbone=backbone, decode_head=decode_head,
                         neck=neck, **kwargs)
        with DefaultScope.overwrite_default_scope('changefine_mm'):
            self.difference_module = MODELS.build(difference_module)
            self.text_encoder = MODELS.build(text_encoder)
        self.default_prompt = default_prompt
        self.prompt_key = prompt_key

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Fused difference features of a (B, 6, H, W) batch of pairs."""
        feats_from, feats_to = self.backbone(*self.split_dates(inputs))
        return self.neck(self.difference_module(feats_from, feats_to))

    def prompts_of(self, batch_img_metas: Sequence[dict]) -> List[str]:
        """Each sample's prompt, or the default one.

        Args:
            batch_img_metas (sequence[dict]): Sample metainfo.

        Returns:
            list[str]: One prompt per sample.
        """
        prompts = []
        for meta in batch_img_metas:
            prompt = meta.get(self.prompt_key)
            prompts.append(self.default_prompt if prompt is None else prompt)
        return prompts

    def encode_prompts(self, batch_img_metas: Sequence[dict]):
        """Text embeddings ``(text, mask)`` of the samples' prompts."""
        return self.text_encoder(self.prompts_of(batch_img_metas))

    def _decode_head_forward_train(self, inputs: List[torch.Tensor],
                                   data_samples: List[SegDataSample]) -> dict:
        text = self.encode_prompts([s.metainfo for s in data_samples])
        return super()._decode_head_forward_train((inputs, text),
                                                  data_samples)

    def encode_decode(self, inputs: torch.Tensor,
                      batch_img_metas: List[dict]) -> torch.Tensor:
        """Mask logits at the input size (used by whole/slide inference)."""
        text = self.encode_prompts(batch_img_metas)
        return self.decode_head.predict((self.extract_feat(inputs), text),
                                        batch_img_metas, self.test_cfg)

    def _forward(self,
                 inputs: torch.Tensor,
                 data_samples: Optional[List[SegDataSample]] = None
                 ) -> torch.Tensor:
        """Raw head output (``mode='tensor'``)."""
        metas = [s.metainfo for s in data_samples] if data_samples else [
            {}
        ] * inputs.size(0)
        text = self.encode_prompts(metas)
        return self.decode_head.forward((self.extract_feat(inputs), text))
