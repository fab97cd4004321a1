"""DistillTimeTravellingPixels: open-cd's multi-teacher distillation (MTKD)
around Time Travelling Pixels (opencd/models/change_detectors/mtkd.py;
see :mod:`.distill_encoder_decoder` for the method). State-dict names are
open-cd's (``teacher_l``, ``teacher_m``, ``teacher_s``, ``distill_loss``).
"""
from changefine_mm.registry import MODELS
from .distill_encoder_decoder import MultiTeacherDistillation
from .ttp import TimeTravellingPixels


@MODELS.register_module()
class DistillTimeTravellingPixels(MultiTeacherDistillation,
                                  TimeTravellingPixels):
    """MTKD around :class:`TimeTravellingPixels` (arguments as
    :class:`MultiTeacherDistillation`).

    open-cd leaves this wrapper's teachers in training mode (LoRA dropout
    on, the head's BatchNorm normalising each single pair by its own
    statistics); here they predict in eval mode, as open-cd's Siamese
    wrappers do.
    """

    teacher_type = TimeTravellingPixels
