"""ChangeFineSCD: ChangeFine with land-cover class-name prompts and a
land-cover map per date (semantic change detection)."""
import copy
from typing import Dict, List, Optional

from torch import Tensor

from changefine_mm.models.utils.precision import floats
from changefine_mm.registry import MODELS
from .changefine import ChangeFine, _with_value
from .siam_encoder_multi_decoder import SiamEncoderMultiDecoder


@MODELS.register_module()
class ChangeFineSCD(ChangeFine, SiamEncoderMultiDecoder):
    """ChangeFine for semantic change detection (docs/scd.md).

    The CLIP text prompts of :class:`SAMCLIPBackbone` are the dataset's
    land-cover class names (``backbone.class_names``, e.g. SECOND's water,
    ground, low vegetation, tree, building, sports field). Per date the
    SCFE then scores its fused SAM-CLIP tokens against those class texts
    (``score_map``) and refines the texts on the image, as ChangeFine does
    for its prompt classes. On top:

    * change: ChangeFine's :class:`CPFMNeck` (fusing both dates' features
      and land-cover score maps) and :class:`PromptChangeDecoder` with
      ChangeFine's loss, unchanged;
    * land cover: :class:`ClassTextSemanticHead` on each date's backbone
      output, whose classifier is the class texts (cross-entropy per
      date, label 255 ignored: SECOND's and Landsat-SCD's 'unchanged'
      with ``reduce_semantic_zero_label``).

    The decode head is :class:`ChangeFineSCDHead`; predictions, logits,
    ``postprocess_pred_and_label='cover_semantic'`` and slide inference
    are :class:`SiamEncoderMultiDecoder`'s (``pred_sem_seg``,
    ``pred_sem_seg_from``, ``pred_sem_seg_to``). ``mode``, ``init_seed``,
    the frozen-weight loading and the precision settings are
    :class:`ChangeFine`'s; ``mode`` reaches the change branch (the
    land-cover head has no official counterpart), and
    ``semantic_cd_head.num_classes`` is set from ``backbone.class_names``.
    A binary ChangeFine checkpoint becomes a starting point with
    ``tools/model_converters/changefine_binary_to_scd.py``.

    Args:
        backbone (dict): :class:`SAMCLIPBackbone` config; ``class_names``
            are the land-cover classes the semantic maps index.
        neck (dict): :class:`CPFMNeck` config.
        decode_head (dict): :class:`ChangeFineSCDHead` config.
        postprocess_pred_and_label (str, optional): None or
            'cover_semantic' (see :class:`SiamEncoderMultiDecoder`).
        **kwargs: :class:`ChangeFine` arguments (``mode``, ``init_seed``,
            ``train_cfg``, ``test_cfg``, ``data_preprocessor``, ...).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 decode_head: dict,
                 postprocess_pred_and_label: Optional[str] = None,
                 **kwargs) -> None:
        if 'class_names' in backbone and 'semantic_cd_head' in decode_head:
            decode_head = copy.deepcopy(decode_head)
            decode_head['semantic_cd_head'] = _with_value(
                decode_head['semantic_cd_head'], 'num_classes',
                len(backbone['class_names']), 'decode_head.semantic_cd_head',
                'the number of backbone.class_names')
        super().__init__(
            backbone=backbone,
            neck=neck,
            decode_head=decode_head,
            postprocess_pred_and_label=postprocess_pred_and_label,
            **kwargs)

    @staticmethod
    def decode_head_with_mode(decode_head: dict, mode: str) -> dict:
        """Write ``mode`` into the change decoder and its loss."""
        if 'binary_cd_head' not in decode_head:
            raise KeyError(
                'ChangeFineSCD: decode_head must be a ChangeFineSCDHead '
                'config with binary_cd_head (the PromptChangeDecoder) and '
                'semantic_cd_head')
        decode_head = copy.deepcopy(decode_head)
        decode_head['binary_cd_head'] = ChangeFine.decode_head_with_mode(
            decode_head['binary_cd_head'], mode)
        return decode_head

    def extract_feat(self, inputs: Tensor) -> Dict[str, object]:
        """Backbone on both dates; the neck fuses them for the change.

        Args:
            inputs (Tensor): Pairs (B, 6, H, W).

        Returns:
            dict: ``change`` (the neck output), ``from`` and ``to`` (each
            date's backbone output: ``feats``, ``score_map``, ``text``).
        """
        feats_from, feats_to = self.encode_dates(inputs)
        return {
            'change': self.neck(feats_from, feats_to),
            'from': feats_from,
            'to': feats_to
        }

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """The three outputs' logits at the input size, computed at
        ``test_cfg.precision``; float32.

        Args:
            inputs (Tensor): Pairs (B, 6, H, W).
            batch_img_metas (list[dict]): Image meta information.

        Returns:
            dict[str, Tensor]: ``seg_logits``, ``seg_logits_from``,
            ``seg_logits_to``.
        """
        with self._eval_autocast(inputs):
            return floats(
                super(ChangeFine, self).encode_decode(inputs,
                                                      batch_img_metas))
