"""ChangeFineLoss: hybrid losses on both predictions plus the HSCM term."""
import copy
from typing import Dict, Optional

from torch import Tensor, nn

from changefine_mm.registry import MODELS
from .focal_dice import MODES


@MODELS.register_module()
class ChangeFineLoss(nn.Module):
    """Total ChangeFine training loss.

    Official counterpart: ``Contrast_loss`` in ``lib/loss/loss_helper.py``
    of whudk/ChangeFine (paper: hybrid loss + HSCM), where the weights are
    hard-coded::

        L = w_f * H(pred) + w_c * H(pred_aux) + w_con * L_con

    with H = focal + Dice (:class:`FocalDiceLoss`) and L_con the
    :class:`HardSampleContrastLoss` on ``dense_embed``. The official values
    are the defaults: w_f 1.0, w_c 0.3, w_con 0.1. The terms are returned
    separately (each already weighted) so that mmseg logs them and sums all
    ``loss_*`` entries.

    ``mode`` is passed to the sub-losses whose config does not set one.

    Args:
        mode (str): ``'official'`` or ``'paper'``. Defaults to 'official'.
        hybrid (dict): Config of the hybrid loss. Defaults to
            ``dict(type='FocalDiceLoss')``.
        contrast (dict, optional): Config of the contrast loss (holds the
            memory bank); None disables the term. Defaults to
            ``dict(type='HardSampleContrastLoss')``.
        fine_weight (float): Weight of the hybrid loss on ``pred``.
        coarse_weight (float): Weight of the hybrid loss on ``pred_aux``.
        contrast_weight (float): Weight of the contrast loss.
    """

    def __init__(self,
                 mode: str = 'official',
                 hybrid: dict = dict(type='FocalDiceLoss'),
                 contrast: Optional[dict] = dict(
                     type='HardSampleContrastLoss'),
                 fine_weight: float = 1.0,
                 coarse_weight: float = 0.3,
                 contrast_weight: float = 0.1) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        self.hybrid = MODELS.build(self._with_mode(hybrid))
        self.contrast = None if contrast is None else MODELS.build(
            self._with_mode(contrast))
        self.fine_weight = fine_weight
        self.coarse_weight = coarse_weight
        self.contrast_weight = contrast_weight

    def _with_mode(self, cfg: dict) -> dict:
        cfg = copy.deepcopy(dict(cfg))
        cfg.setdefault('mode', self.mode)
        return cfg

    def forward(self,
                outputs: Dict[str, Tensor],
                seg_label: Tensor,
                ignore_index: int = 255) -> Dict[str, Tensor]:
        """Compute the weighted loss terms.

        Args:
            outputs (dict): ``pred`` (B, C, H', W'), ``pred_aux``
                (B, C, h, w) and ``dense_embed`` (B, D, h, w).
            seg_label (Tensor): Labels (B, H, W).
            ignore_index (int): Label to ignore. Defaults to 255.

        Returns:
            dict[str, Tensor]: ``loss_fine_focal``, ``loss_fine_dice``,
            ``loss_coarse_focal``, ``loss_coarse_dice`` and, with a contrast
            loss, ``loss_contrast``.
        """
        losses = {}
        for name, key, weight in (('fine', 'pred', self.fine_weight),
                                  ('coarse', 'pred_aux', self.coarse_weight)):
            terms = self.hybrid(outputs[key], seg_label, ignore_index)
            for term, value in terms.items():
                losses[f'loss_{name}_{term}'] = weight * value
        if self.contrast is not None:
            losses['loss_contrast'] = self.contrast_weight * self.contrast(
                outputs['dense_embed'], outputs['pred'], seg_label,
                ignore_index)
        return losses
