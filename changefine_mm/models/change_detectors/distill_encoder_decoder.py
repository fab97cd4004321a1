"""Multi-teacher knowledge distillation (MTKD) wrappers of open-cd
(opencd/models/change_detectors/mtkd.py; Liu et al., "JL1-CD: A New
Benchmark for Remote Sensing Change Detection and a Robust Multi-Teacher
Knowledge Distillation Framework", 2025).

The student is the wrapped detector itself; three teachers of the same
architecture (``teacher_l``, ``teacher_m``, ``teacher_s``, each with its
own ``init_cfg_t_*``) were trained on pairs with large, medium and small
changed areas. During training each pair is distilled from the teacher of
its changed-area ratio (below ``area_thresholds[0]``: small, below
``area_thresholds[1]``: medium, else large); inference uses the student
only. State-dict names are open-cd's.
"""
from typing import Dict, Optional, Sequence

import torch
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS
from .di_encoder_decoder import DIEncoderDecoder
from .siam_encoder_decoder import SiamEncoderDecoder


class MultiTeacherDistillation:
    """Teachers and the distillation loss, mixed in before a detector class
    (``teacher_type``).

    The teachers predict in eval mode. open-cd's dual-input wrapper forgets
    to switch them (only its Siamese ones do), so there its teachers'
    BatchNorm normalises each single pair by its own statistics and drifts
    their running statistics during distillation, and training fails on
    features pooled to 1x1; here every wrapper uses eval mode, which gives
    open-cd's Siamese behaviour and its dual-input losses in eval mode.

    Args:
        distill_loss (dict): The distillation loss.
        backbone, decode_head, neck, auxiliary_head, train_cfg, test_cfg,
        data_preprocessor, pretrained, init_cfg, backbone_inchannels: As
            the detector, for the student and the teachers.
        init_cfg_t_l (dict, optional): Initialisation (e.g. a
            ``Pretrained`` checkpoint) of the large-change teacher.
        init_cfg_t_m (dict, optional): Of the medium-change teacher.
        init_cfg_t_s (dict, optional): Of the small-change teacher.
        area_thresholds (sequence[float]): Changed-area ratios separating
            the small, medium and large teachers. Defaults to (0.05, 0.2).
    """

    teacher_type: type

    def __init__(self,
                 distill_loss: dict,
                 backbone: dict,
                 decode_head: dict,
                 neck: Optional[dict] = None,
                 auxiliary_head: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None,
                 backbone_inchannels: int = 3,
                 init_cfg_t_l: Optional[dict] = None,
                 init_cfg_t_m: Optional[dict] = None,
                 init_cfg_t_s: Optional[dict] = None,
                 area_thresholds: Sequence[float] = (0.05, 0.2)) -> None:
        if len(area_thresholds) != 2 or not (0 <= area_thresholds[0] <=
                                             area_thresholds[1] <= 1):
            raise ValueError('area_thresholds must be two increasing '
                             f'fractions, got {area_thresholds}')
        shared = dict(backbone=backbone, decode_head=decode_head, neck=neck,
                      auxiliary_head=auxiliary_head, train_cfg=train_cfg,
                      test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                      pretrained=pretrained,
                      backbone_inchannels=backbone_inchannels)
        super().__init__(**shared, init_cfg=init_cfg)
        self.area_thresholds = tuple(area_thresholds)
        for size, teacher_init in zip(
                'lms', (init_cfg_t_l, init_cfg_t_m, init_cfg_t_s)):
            setattr(self, f'teacher_{size}',
                    self.teacher_type(**shared, init_cfg=teacher_init))
        self.distill_loss = MODELS.build(distill_loss)

    def teacher_for(self, change_ratio: float) -> BaseModule:
        """The teacher of a pair with this changed-area ratio."""
        if change_ratio < self.area_thresholds[0]:
            return self.teacher_s
        if change_ratio < self.area_thresholds[1]:
            return self.teacher_m
        return self.teacher_l

    def loss(self, inputs: torch.Tensor, data_samples) -> Dict[str, object]:
        """The student's losses plus ``distill``.

        Args:
            inputs (Tensor): The normalised pairs (B, 2C, H, W).
            data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            dict: Loss items.
        """
        feats = self.extract_feat(inputs)
        losses = self._decode_head_forward_train(feats, data_samples)
        if self.with_auxiliary_head:
            losses.update(
                self._auxiliary_head_forward_train(feats, data_samples))
        student = self.decode_head.forward(feats)
        for size in 'lms':
            getattr(self, f'teacher_{size}').eval()
        outputs = []
        with torch.no_grad():
            for i, sample in enumerate(data_samples):
                ratio = (sample.gt_sem_seg.data > 0).float().mean()
                teacher = self.teacher_for(ratio)
                outputs.append(
                    teacher.decode_head.forward(
                        teacher.extract_feat(inputs[i:i + 1])))
        if isinstance(outputs[0], (tuple, list)):
            teacher_out = tuple(torch.cat(parts) for parts in zip(*outputs))
        else:
            teacher_out = torch.cat(outputs)
        losses['distill'] = self.distill_loss(student, teacher_out)
        return losses


@MODELS.register_module()
class DistillSiamEncoderDecoder(MultiTeacherDistillation,
                                SiamEncoderDecoder):
    """MTKD around a :class:`SiamEncoderDecoder` (see
    :class:`MultiTeacherDistillation` for the arguments)."""

    teacher_type = SiamEncoderDecoder


@MODELS.register_module()
class DistillSiamEncoderDecoder_ChangeStar(DistillSiamEncoderDecoder):
    """:class:`DistillSiamEncoderDecoder` for ChangeStar, whose head gives
    two logits (t1->t2, t2->t1); pair it with
    ``DistillLossWithPixel_ChangeStar``."""


@MODELS.register_module()
class DistillDIEncoderDecoder(MultiTeacherDistillation, DIEncoderDecoder):
    """MTKD around a :class:`DIEncoderDecoder` (see
    :class:`MultiTeacherDistillation` for the arguments and the teachers'
    mode)."""

    teacher_type = DIEncoderDecoder
