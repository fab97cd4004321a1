"""The four SegChange-R1 losses against their formulas."""
import pytest
import torch
import torch.nn.functional as F

from changefine_mm.registry import MODELS
from projects.segchange_r1.segchange_r1 import (BatchBalancedContrastiveLoss,
                                                BinaryDiceLoss,
                                                BinaryFocalLoss)

pytestmark = pytest.mark.usefixtures('one_torch_thread')

LOGITS = torch.tensor([[[[2.0, -1.0], [0.5, -3.0]]]])
LABELS = torch.tensor([[[1, 0], [0, 255]]])


def test_dice_matches_formula_and_ignores_pixels():
    probs = LOGITS.sigmoid()[0, 0].flatten()[:3]
    truth = torch.tensor([1., 0., 0.])
    expected = 1 - (2 * (probs * truth).sum() + 1) / (probs.sum() + 1 + 1)
    loss = BinaryDiceLoss(loss_weight=2.0)(LOGITS, LABELS)
    assert torch.isclose(loss, 2 * expected)
    perfect = torch.tensor([[[[20.0, -20.0], [-20.0, 5.0]]]])
    assert BinaryDiceLoss()(perfect, LABELS) < 1e-6


def test_focal_modes():
    probs = LOGITS.sigmoid()[0, 0].flatten()[:3]
    truth = torch.tensor([1., 0., 0.])
    p_t = probs * truth + (1 - probs) * (1 - truth)
    official = (-0.6 * (1 - p_t)**2 * torch.log(p_t + 1e-6)).mean()
    alpha_t = 0.6 * truth + 0.4 * (1 - truth)
    balanced = (-alpha_t * (1 - p_t)**2 * torch.log(p_t)).mean()
    assert torch.isclose(
        BinaryFocalLoss(alpha=0.6, mode='official')(LOGITS, LABELS),
        official, atol=1e-6)
    assert torch.isclose(
        BinaryFocalLoss(alpha=0.6, mode='balanced')(LOGITS, LABELS),
        balanced, atol=1e-6)
    with pytest.raises(ValueError, match='mode'):
        BinaryFocalLoss(mode='sigmoid')


def test_bcl_balances_the_classes():
    logits = LOGITS[0, 0].flatten()[:3]
    positive = (logits[0] - 1).abs()
    negative = (2.0 - logits[1:].abs()).clamp(min=0).mean()
    loss = BatchBalancedContrastiveLoss(margin=2.0)(LOGITS, LABELS)
    assert torch.isclose(loss, positive + negative)
    # Only unchanged pixels: the changed term is absent, not NaN.
    no_change = torch.zeros(1, 2, 2, dtype=torch.long)
    assert torch.isfinite(BatchBalancedContrastiveLoss()(LOGITS, no_change))


def test_binary_losses_need_one_channel_and_register():
    with pytest.raises(ValueError, match=r'\(B, 1, H, W\)'):
        BinaryDiceLoss()(torch.zeros(1, 2, 2, 2), LABELS)
    with pytest.raises(ValueError, match='pixel weights'):
        BinaryFocalLoss()(LOGITS, LABELS, weight=torch.ones(1, 2, 2))
    for name in ('BinaryDiceLoss', 'BinaryFocalLoss',
                 'BatchBalancedContrastiveLoss'):
        loss = MODELS.build(dict(type=name, loss_weight=0.5))
        assert loss.loss_name.startswith('loss_')


def test_mmseg_ce_with_sigmoid_matches_bce_on_valid_pixels():
    ce = MODELS.build(dict(type='mmseg.CrossEntropyLoss', use_sigmoid=True,
                           avg_non_ignore=True))
    valid = LABELS != 255
    expected = F.binary_cross_entropy_with_logits(
        LOGITS[:, 0][valid], LABELS[valid].float())
    assert torch.isclose(ce(LOGITS, LABELS, ignore_index=255), expected)
