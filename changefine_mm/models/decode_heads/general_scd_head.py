"""GeneralSCDHead: a change head on fused features and a semantic head per
date (open-cd's semantic change detection head)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.structures import PixelData
from mmseg.models.utils import resize
from mmseg.structures import SegDataSample
from mmseg.utils import add_prefix

from changefine_mm.registry import MODELS

# Output name -> (ground-truth field, label path key, loss prefix).
OUTPUTS = {
    'seg_logits': ('gt_sem_seg', 'seg_map_path', 'binary_cd'),
    'seg_logits_from': ('gt_sem_seg_from', 'seg_map_path_from',
                        'semantic_cd_from'),
    'seg_logits_to': ('gt_sem_seg_to', 'seg_map_path_to', 'semantic_cd_to'),
}


@MODELS.register_module()
class GeneralSCDHead(BaseModule):
    """Binary change head + semantic heads for date A and date B.

    open-cd's ``GeneralSCDHead`` (with its ``MultiHeadDecoder`` base) under
    the same config keys and state-dict names: ``binary_cd_neck`` fuses
    the two dates' features (e.g. ``FeatureFusionNeck``) for
    ``binary_cd_head``; ``semantic_cd_head`` decodes date A's features and
    ``semantic_cd_head_aux`` date B's. Without ``semantic_cd_head_aux``
    the semantic head is shared (Siamese); it is then registered under
    both names, so checkpoints hold both key sets, as open-cd's do.

    ``forward`` returns a dict of ``seg_logits`` (change),
    ``seg_logits_from`` and ``seg_logits_to``; the losses are each head's
    own ``loss_by_feat`` against ``gt_sem_seg``, ``gt_sem_seg_from`` and
    ``gt_sem_seg_to``, prefixed ``binary_cd.``, ``semantic_cd_from.`` and
    ``semantic_cd_to.``.

    Args:
        binary_cd_head (dict): Decode head of the change map.
        binary_cd_neck (dict): Neck fusing ``(feats_from, feats_to)``.
        semantic_cd_head (dict): Decode head of the date-A land cover.
        semantic_cd_head_aux (dict, optional): Decode head of date B;
            None shares ``semantic_cd_head``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 binary_cd_head: dict,
                 binary_cd_neck: dict,
                 semantic_cd_head: dict,
                 semantic_cd_head_aux: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.binary_cd_head = MODELS.build(binary_cd_head)
        self.binary_cd_neck = MODELS.build(binary_cd_neck)
        self.semantic_cd_head = MODELS.build(semantic_cd_head)
        self.siamese_semantic_head = semantic_cd_head_aux is None
        self.semantic_cd_head_aux = self.semantic_cd_head \
            if semantic_cd_head_aux is None \
            else MODELS.build(semantic_cd_head_aux)

    def heads(self) -> Dict[str, BaseModule]:
        """The decode head of each output name."""
        return dict(seg_logits=self.binary_cd_head,
                    seg_logits_from=self.semantic_cd_head,
                    seg_logits_to=self.semantic_cd_head_aux)

    def forward(
        self, inputs: Tuple[Sequence[torch.Tensor], Sequence[torch.Tensor]]
    ) -> Dict[str, torch.Tensor]:
        """Decode the change map and both dates' land cover.

        Args:
            inputs (tuple): Multi-level features of date A and of date B.

        Returns:
            dict[str, Tensor]: ``seg_logits``, ``seg_logits_from``,
            ``seg_logits_to``.
        """
        feats_from, feats_to = inputs
        return dict(
            seg_logits=self.binary_cd_head(
                self.binary_cd_neck(feats_from, feats_to)),
            seg_logits_from=self.semantic_cd_head(feats_from),
            seg_logits_to=self.semantic_cd_head_aux(feats_to))

    def loss(self, inputs: tuple, batch_data_samples: List[SegDataSample],
             train_cfg: dict) -> Dict[str, torch.Tensor]:
        """Forward and compute the three heads' losses.

        Args:
            inputs (tuple): Features of both dates.
            batch_data_samples (list[SegDataSample]): Samples with
                ``gt_sem_seg``, ``gt_sem_seg_from`` and ``gt_sem_seg_to``.
            train_cfg (dict): Unused (mmseg's interface).

        Returns:
            dict[str, Tensor]: Prefixed losses.
        """
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: Dict[str, torch.Tensor],
                     batch_data_samples: List[SegDataSample]
                     ) -> Dict[str, torch.Tensor]:
        """Each head's own loss on its output and ground truth."""
        return scd_losses(self.heads(), seg_logits, batch_data_samples)

    def predict(self, inputs: tuple, batch_img_metas: List[dict],
                test_cfg: dict) -> Dict[str, torch.Tensor]:
        """Logits of the three outputs at the input image size.

        Args:
            inputs (tuple): Features of both dates.
            batch_img_metas (list[dict]): Meta of each image
                (``img_shape``, ``pad_shape``).
            test_cfg (dict): Unused (mmseg's interface).

        Returns:
            dict[str, Tensor]: The resized logits by output name.
        """
        heads = self.heads()
        # mmseg's rule (BaseDecodeHead.predict_by_feat): the padded size,
        # whose padding the detector then crops; a slide crop's own size.
        meta = batch_img_metas[0]
        size = meta['img_shape'] if isinstance(meta['img_shape'],
                                               torch.Size) or \
            'pad_shape' not in meta else meta['pad_shape'][:2]
        return {
            name: resize(logits,
                         size=size,
                         mode='bilinear',
                         align_corners=heads[name].align_corners)
            for name, logits in self.forward(inputs).items()
        }


def scd_losses(heads: Dict[str, BaseModule], seg_logits: Dict[str, object],
               batch_data_samples: List[SegDataSample]
               ) -> Dict[str, torch.Tensor]:
    """Each head's ``loss_by_feat`` on its output and ground-truth field.

    Args:
        heads (dict): Decode head of each output name (:data:`OUTPUTS`).
        seg_logits (dict): Forward output of each name.
        batch_data_samples (list[SegDataSample]): Samples with
            ``gt_sem_seg``, ``gt_sem_seg_from`` and ``gt_sem_seg_to``.

    Returns:
        dict[str, Tensor]: The losses, prefixed ``binary_cd.``,
        ``semantic_cd_from.`` and ``semantic_cd_to.``.
    """
    losses = dict()
    for name, head in heads.items():
        field, path_key, prefix = OUTPUTS[name]
        samples = [
            _sub_sample(sample, field, path_key)
            for sample in batch_data_samples
        ]
        losses.update(
            add_prefix(head.loss_by_feat(seg_logits[name], samples),
                       prefix))
    return losses


def _sub_sample(sample: SegDataSample, field: str,
                path_key: str) -> SegDataSample:
    """A sample whose ``gt_sem_seg`` is ``field`` of ``sample``."""
    if field not in sample:
        raise KeyError(
            f'GeneralSCDHead needs {field} in every training sample; load '
            'the labels with MultiImgMultiAnnLoadAnnotations and an SCD '
            'dataset (data_prefix seg_map_path_from/seg_map_path_to)')
    meta = {k: v for k, v in sample.metainfo.items()
            if 'seg_map_path' not in k}
    meta['seg_map_path'] = sample.metainfo.get(path_key)
    sub = SegDataSample(metainfo=meta)
    label = sample.get(field).data
    if 'gt_sem_seg' in sample:
        # The data preprocessor pads only gt_sem_seg (bottom and right,
        # with ignored pixels) to the padded input: pad the others alike.
        height, width = sample.gt_sem_seg.data.shape[-2:]
        label = F.pad(label, (0, width - label.shape[-1], 0,
                              height - label.shape[-2]), value=255)
    sub.gt_sem_seg = PixelData(data=label)
    return sub
