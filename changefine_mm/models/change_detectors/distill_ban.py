"""DistillBAN: open-cd's multi-teacher distillation (MTKD) around BAN
(opencd/models/change_detectors/mtkd.py; see
:mod:`.distill_encoder_decoder` for the method). State-dict names are
open-cd's (``teacher_l``, ``teacher_m``, ``teacher_s``, ``distill_loss``).
"""
from typing import Optional, Sequence

import torch
from mmseg.utils import add_prefix

from changefine_mm.registry import MODELS
from .ban import BAN


@MODELS.register_module()
class DistillBAN(BAN):
    """A BAN student distilled from three BAN teachers picked per pair by
    its changed-area ratio.

    As in open-cd, the teachers read the images at full resolution
    (without the student's ``encoder_resolution`` resize) and predict in
    eval mode.

    Args:
        distill_loss (dict): The distillation loss.
        init_cfg_t_l (dict, optional): Init of the large-change teacher.
        init_cfg_t_m (dict, optional): Init of the medium-change teacher.
        init_cfg_t_s (dict, optional): Init of the small-change teacher.
        area_thresholds (sequence[float]): Changed-area ratios separating
            the small, medium and large teachers.
        **kwargs: :class:`BAN` arguments, shared by the teachers.
    """

    def __init__(self,
                 distill_loss: dict,
                 init_cfg: Optional[dict] = None,
                 init_cfg_t_l: Optional[dict] = None,
                 init_cfg_t_m: Optional[dict] = None,
                 init_cfg_t_s: Optional[dict] = None,
                 area_thresholds: Sequence[float] = (0.05, 0.2),
                 **kwargs) -> None:
        if len(area_thresholds) != 2 or not (0 <= area_thresholds[0] <=
                                             area_thresholds[1] <= 1):
            raise ValueError('DistillBAN: area_thresholds must be two '
                             f'increasing fractions, got {area_thresholds}')
        super().__init__(init_cfg=init_cfg, **kwargs)
        self.area_thresholds = tuple(area_thresholds)
        for size, teacher_init in zip(
                'lms', (init_cfg_t_l, init_cfg_t_m, init_cfg_t_s)):
            setattr(self, f'teacher_{size}',
                    BAN(init_cfg=teacher_init, **kwargs))
        self.distill_loss = MODELS.build(distill_loss)

    def _teacher_for(self, change_ratio: float) -> BAN:
        if change_ratio < self.area_thresholds[0]:
            return self.teacher_s
        if change_ratio < self.area_thresholds[1]:
            return self.teacher_m
        return self.teacher_l

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        """The student's losses plus ``distill``.

        Args:
            inputs (Tensor): (B, 6, H, W) stacked dates.
            data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: The losses.
        """
        head_inputs = self._head_inputs(inputs)
        losses = add_prefix(
            self.decode_head.loss(head_inputs, data_samples,
                                  self.train_cfg), 'decode')
        student = self.decode_head.forward(head_inputs)
        img_a, img_b = torch.split(inputs, 3, dim=1)
        outputs = []
        with torch.no_grad():
            for i, sample in enumerate(data_samples):
                teacher = self._teacher_for(
                    (sample.gt_sem_seg.data > 0).float().mean())
                teacher.eval()
                a, b = img_a[i:i + 1], img_b[i:i + 1]
                outputs.append(teacher.decode_head.forward(
                    [a, b, teacher.extract_feat(a),
                     teacher.extract_feat(b)]))
        losses['distill'] = self.distill_loss(student, torch.cat(outputs))
        return losses
