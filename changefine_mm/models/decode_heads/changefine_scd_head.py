"""ChangeFineSCDHead: ChangeFine's prompt change decoder plus a class-text
land-cover head per date."""
from typing import Dict, List, Optional

from mmengine.model import BaseModule
from mmseg.structures import SegDataSample
from torch import Tensor

from changefine_mm.registry import MODELS
from .general_scd_head import scd_losses

INPUT_KEYS = ('change', 'from', 'to')


@MODELS.register_module()
class ChangeFineSCDHead(BaseModule):
    """Decode head of :class:`ChangeFineSCD`: the change map from
    ChangeFine's neck output and each date's land cover from its backbone
    output.

    ``binary_cd_head`` (:class:`PromptChangeDecoder`, with ChangeFine's
    loss) decodes ``inputs['change']``; ``semantic_cd_head``
    (:class:`ClassTextSemanticHead`, shared by both dates) decodes
    ``inputs['from']`` and ``inputs['to']``. The output names, ground-truth
    fields and loss prefixes are :class:`GeneralSCDHead`'s
    (``binary_cd.``, ``semantic_cd_from.``, ``semantic_cd_to.``), so
    :class:`SiamEncoderMultiDecoder`'s post-processing, ``SCDMetric``, the
    panels and ``tools/infer.py`` read the predictions unchanged.

    Args:
        binary_cd_head (dict): :class:`PromptChangeDecoder` config.
        semantic_cd_head (dict): Land-cover head config (one date in).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 binary_cd_head: dict,
                 semantic_cd_head: dict,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.binary_cd_head = MODELS.build(binary_cd_head)
        self.semantic_cd_head = MODELS.build(semantic_cd_head)

    def heads(self) -> Dict[str, BaseModule]:
        """The decode head of each output name."""
        return dict(seg_logits=self.binary_cd_head,
                    seg_logits_from=self.semantic_cd_head,
                    seg_logits_to=self.semantic_cd_head)

    def forward(self, inputs: Dict[str, object]) -> Dict[str, object]:
        """Decode the change and both dates' land cover.

        Args:
            inputs (dict): ``change`` (the neck output), ``from`` and
                ``to`` (each date's backbone output).

        Returns:
            dict: ``seg_logits`` (the change decoder's output dict),
            ``seg_logits_from`` and ``seg_logits_to`` (logits
            [B, K, H/4, W/4]).
        """
        _check_inputs(inputs)
        return dict(
            seg_logits=self.binary_cd_head(inputs['change']),
            seg_logits_from=self.semantic_cd_head(inputs['from']),
            seg_logits_to=self.semantic_cd_head(inputs['to']))

    def loss(self, inputs: Dict[str, object],
             batch_data_samples: List[SegDataSample],
             train_cfg: dict) -> Dict[str, Tensor]:
        """Forward and compute the three outputs' losses.

        Args:
            inputs (dict): See :meth:`forward`.
            batch_data_samples (list[SegDataSample]): Samples with
                ``gt_sem_seg``, ``gt_sem_seg_from`` and ``gt_sem_seg_to``.
            train_cfg (dict): Unused (mmseg's interface).

        Returns:
            dict[str, Tensor]: Prefixed losses.
        """
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: Dict[str, object],
                     batch_data_samples: List[SegDataSample]
                     ) -> Dict[str, Tensor]:
        """Each head's own loss on its output and ground truth: ChangeFine's
        focal/Dice/contrast loss on the change, the semantic head's
        ``loss_decode`` (cross-entropy, ignoring 255) on each date."""
        return scd_losses(self.heads(), seg_logits, batch_data_samples)

    def predict(self, inputs: Dict[str, object], batch_img_metas: List[dict],
                test_cfg: dict) -> Dict[str, Tensor]:
        """Logits of the three outputs at the (padded) input size.

        Args:
            inputs (dict): See :meth:`forward`.
            batch_img_metas (list[dict]): Meta of each image.
            test_cfg (dict): Passed to the change decoder.

        Returns:
            dict[str, Tensor]: ``seg_logits`` (B, 2, H, W),
            ``seg_logits_from`` and ``seg_logits_to`` (B, K, H, W).
        """
        _check_inputs(inputs)
        semantic = self.semantic_cd_head
        return dict(
            seg_logits=self.binary_cd_head.predict(
                inputs['change'], batch_img_metas, test_cfg),
            seg_logits_from=semantic.predict_by_feat(
                semantic(inputs['from']), batch_img_metas),
            seg_logits_to=semantic.predict_by_feat(
                semantic(inputs['to']), batch_img_metas))


def _check_inputs(inputs: object) -> None:
    if not isinstance(inputs, dict) or any(k not in inputs
                                           for k in INPUT_KEYS):
        got = sorted(inputs) if isinstance(inputs, dict) else type(inputs)
        raise KeyError(f'ChangeFineSCDHead expects keys {INPUT_KEYS} '
                       f'(ChangeFineSCD.extract_feat), got {got}')
