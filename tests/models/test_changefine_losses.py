"""ChangeFine losses: golden parity of the official Contrast_loss (focal +
Dice, memory-bank pixel contrast, enqueue) with its randperm log replayed,
degenerate batches, the paper mode, the MessageHub switch and the DDP
gathering of the bank writes.

Golden: ../shared/golden/changefine/hscm_golden.pt (README section 3).
"""
from typing import Iterator, List

import pytest
import torch
import torch.nn.functional as F
from conftest import golden_path
from mmengine.logging import MessageHub

from changefine_mm.models.losses import hard_sample_contrast_loss as hscm
from changefine_mm.models.losses import (ChangeFineLoss, FocalDiceLoss,
                                         HardSampleContrastLoss)
from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file

ATOL = 2e-5
_hub_count = iter(range(10**6))


def close(actual, expected) -> None:
    torch.testing.assert_close(
        torch.as_tensor(actual).float(), torch.as_tensor(expected).float(),
        atol=ATOL, rtol=1e-5)


def set_progress(cur_iter=None, max_iters=None) -> None:
    """Make a fresh MessageHub current, holding the given progress."""
    hub = MessageHub.get_instance(f'test_losses_{next(_hub_count)}')
    if cur_iter is not None:
        hub.update_info('iter', cur_iter)
        hub.update_info('max_iters', max_iters)


@pytest.fixture
def replay_randperm(monkeypatch):
    """Patch torch.randperm to return logged permutations in order."""

    def install(log: List[torch.Tensor]) -> Iterator:
        queue = list(log)

        def fake(n, *args, **kwargs):
            assert queue, 'more randperm calls than logged'
            perm = queue.pop(0)
            assert perm.numel() == n, (perm.numel(), n)
            return perm.clone()

        monkeypatch.setattr(torch, 'randperm', fake)
        return queue

    return install


@pytest.fixture(scope='module')
def golden() -> dict:
    return load_checkpoint_file(golden_path('changefine', 'hscm_golden.pt'))


def golden_loss(golden: dict) -> ChangeFineLoss:
    loss = MODELS.build(dict(type='ChangeFineLoss', mode='official'))
    loss.contrast.mem_queue.copy_(golden['state_dict']['mem_queue'])
    loss.contrast.mem_queue_ptr.copy_(golden['state_dict']['mem_queue_ptr'])
    return loss


def golden_bank_after(golden: dict, case: str) -> torch.Tensor:
    bank = golden['state_dict']['mem_queue'].clone()
    changed = golden['outputs'][case]['bank_after_changed']
    bank[changed['class'], changed['row']] = changed['values']
    return bank


@pytest.mark.parametrize('case', ['contrast_on', 'contrast_off'])
def test_golden_contrast_loss(golden, case, replay_randperm):
    ref = golden['outputs'][case]
    inputs = golden['inputs']
    loss = golden_loss(golden)
    # Official switch at 80 % of training.
    set_progress(80 if case == 'contrast_on' else 79, 100)
    left = replay_randperm(ref['randperm_log'])
    embed = inputs['dense_embed'].clone().requires_grad_()
    losses = loss(
        dict(pred=inputs['pred'], pred_aux=inputs['pred_aux'],
             dense_embed=embed), inputs['labels'])
    assert left == []
    total = sum(losses.values())
    close(total, ref['total_loss'])
    if case == 'contrast_on':
        close(losses['loss_fine_focal'], ref['fine_focal'])
        close(losses['loss_fine_dice'], ref['fine_dice'])
        close(losses['loss_coarse_focal'] / 0.3, ref['coarse_focal'])
        close(losses['loss_coarse_dice'] / 0.3, ref['coarse_dice'])
        close(losses['loss_fine_focal'] + losses['loss_fine_dice'],
              ref['ce_fine_hybrid'])
        # Tighter than ATOL: the official masked column changes the
        # contrast term by 2.2e-5 only.
        torch.testing.assert_close(losses['loss_contrast'] / 0.1,
                                   ref['info_loss'], atol=1e-6, rtol=0)
    else:
        assert losses['loss_contrast'].item() == 0
    close(loss.contrast.mem_queue, golden_bank_after(golden, case))
    assert loss.contrast.mem_queue_ptr.tolist() == ref['ptr_after'].tolist()
    # Backward works although the bank was updated after the contrast.
    total.backward()
    assert torch.isfinite(embed.grad).all()
    assert (embed.grad.abs().sum() > 0) == (case == 'contrast_on')


def test_golden_anchor_sampling(golden, replay_randperm):
    ref = golden['outputs']['contrast_on']
    inputs = golden['inputs']
    contrast = golden_loss(golden).contrast
    labels_64 = F.interpolate(
        inputs['labels'][:, None].float(), size=(64, 64),
        mode='nearest')[:, 0].long()
    assert torch.equal(labels_64, ref['labels_64'])
    predicted = F.interpolate(inputs['pred'], size=(64, 64),
                              mode='bilinear', align_corners=True)
    assert torch.equal(predicted.argmax(1), ref['pred_argmax_64'])
    left = replay_randperm(ref['randperm_log'][:6])
    anchors = contrast.sample_anchors(inputs['dense_embed'], inputs['pred'],
                                      labels_64)
    assert left == []
    assert anchors.labels.tolist() == ref['anchor_labels'].tolist()
    assert anchors.image_index.tolist() == ref['anchor_image_index'].tolist()
    assert torch.equal(anchors.pixel_index, ref['anchor_pixel_index'])
    close(anchors.feats, ref['anchor_feats'])
    close(contrast.contrastive(anchors.feats, anchors.labels),
          ref['anchor_row_loss_rederived'].mean())


def tiny_contrast(mode='paper', **kwargs) -> HardSampleContrastLoss:
    torch.manual_seed(0)
    cfg = dict(mode=mode, embed_dim=8, queue_size=10, per_class=4,
               max_samples=16, max_views=4)
    cfg.update(kwargs)
    return HardSampleContrastLoss(**cfg)


def labelled_embed(label: torch.Tensor, dim: int = 8) -> torch.Tensor:
    """Embeddings whose first channel tells the class: +1 (class 1) or -1."""
    gen = torch.Generator().manual_seed(1)
    embed = torch.rand(label.size(0), dim, *label.shape[1:], generator=gen)
    embed[:, 0] = label.float() * 2 - 1
    return embed


def class_one_at_the_end(batch=1, size=8) -> torch.Tensor:
    """Class 1 only in the last rows, so raster positions < n_1 are 0."""
    label = torch.zeros(batch, size, size, dtype=torch.long)
    label[:, size // 2:] = 1
    return label


@pytest.mark.parametrize('mode', ['official', 'paper'])
def test_enqueue_class_correct_only_in_paper_mode(mode):
    contrast = tiny_contrast(mode, per_class=10, queue_size=40)
    label = class_one_at_the_end(batch=2)  # 32 pixels of each class
    contrast.enqueue(labelled_embed(label), label)
    if mode == 'paper':
        # Two writes of 10 rows per class, each from pixels of that class.
        assert contrast.mem_queue_ptr.tolist() == [20, 20]
        assert (contrast.mem_queue[1, :20, 0] > 0).all()
        assert (contrast.mem_queue[0, :20, 0] < 0).all()
    else:
        # Official bug: the class-1 rows (0..9, then 1..10) are pixels at
        # raster positions < 32, all of class 0 here.
        assert contrast.mem_queue_ptr.tolist() == [2, 2]
        assert (contrast.mem_queue[1, :11, 0] < 0).all()
    written = contrast.mem_queue[:, :11]
    torch.testing.assert_close(written.norm(dim=2),
                               torch.ones(2, 11))


def test_pointer_arithmetic():
    paper = tiny_contrast('paper', queue_size=10, per_class=4)
    official = tiny_contrast('official', queue_size=10, per_class=4)
    rows = F.normalize(torch.randn(4, 8), dim=1)
    for contrast in (paper, official):
        contrast.mem_queue_ptr[0] = 8
    paper._write(0, rows)
    assert paper.mem_queue_ptr[0] == 2
    torch.testing.assert_close(paper.mem_queue[0, [8, 9, 0, 1]], rows)
    paper._write(0, rows[:3])
    assert paper.mem_queue_ptr[0] == 5
    # Official: 8 + 4 >= 10 -> last 4 rows, pointer reset to 0; then +1.
    official._write(0, rows)
    torch.testing.assert_close(official.mem_queue[0, 6:], rows)
    assert official.mem_queue_ptr[0] == 0
    official._write(0, rows[:3])
    torch.testing.assert_close(official.mem_queue[0, :3], rows[:3])
    assert official.mem_queue_ptr[0] == 1


def test_bank_normalisation_and_temperature():
    paper = tiny_contrast('paper')
    norms = paper.mem_queue.norm(dim=2)
    torch.testing.assert_close(norms, torch.ones_like(norms))
    assert paper.temperature == 0.1
    official = tiny_contrast('official', embed_dim=64)
    assert (official.mem_queue.norm(dim=2) - 1).abs().max() > 0.5
    assert official.temperature == 1.0
    with pytest.raises(ValueError, match='no temperature'):
        tiny_contrast('official', temperature=0.1)
    with pytest.raises(ValueError, match='per_class'):
        tiny_contrast('paper', per_class=20)
    with pytest.raises(ValueError, match='mode must be'):
        tiny_contrast('fixed')


def test_paper_contrastive_matches_reference():
    contrast = tiny_contrast('paper', temperature=0.5)
    feats = torch.randn(3, 2, 8)
    labels = torch.tensor([0, 1, 1])
    anchors = F.normalize(feats.transpose(0, 1).reshape(6, 8), dim=1)
    sims = torch.exp(anchors @ contrast.mem_queue.reshape(20, 8).t() / 0.5)
    bank_labels = torch.arange(2).repeat_interleave(10)
    same = labels.repeat(2)[:, None] == bank_labels[None]
    pos = (sims * same).sum(1)
    expected = -torch.log(pos / sims.sum(1)).mean()
    close(contrast.contrastive(feats, labels), expected)


def test_official_contrastive_masks_column_r():
    contrast = tiny_contrast('official')
    feats = torch.randn(3, 2, 8)
    labels = torch.tensor([0, 1, 1])
    anchors = F.normalize(feats.transpose(0, 1).reshape(6, 8), dim=1)
    sims = anchors @ contrast.mem_queue.reshape(20, 8).t()
    sims = torch.exp(sims - sims.max(1, keepdim=True).values)
    sims[torch.arange(6), torch.arange(6)] = 0  # row r ignores column r
    same = labels.repeat(2)[:, None] == (torch.arange(20) >= 10)[None]
    pos = (sims * same).sum(1)
    expected = -torch.log(pos / (sims.sum(1) + 1e-8) + 1e-8).mean()
    close(contrast.contrastive(feats, labels), expected)


def test_contrast_switch_follows_message_hub():
    contrast = tiny_contrast('paper', contrast_start=0.8)
    set_progress(79, 100)
    assert not contrast.contrast_active()
    set_progress(80, 100)
    assert contrast.contrast_active()
    set_progress()
    assert not contrast.contrast_active()
    assert tiny_contrast('paper', contrast_start=0).contrast_active()


def test_inactive_contrast_is_zero_but_bank_still_updates():
    contrast = tiny_contrast('paper')
    set_progress(0, 100)
    label = class_one_at_the_end()
    embed = labelled_embed(label).requires_grad_()
    before = contrast.mem_queue.clone()
    loss = contrast(embed, torch.randn(1, 2, 8, 8), label)
    assert loss.item() == 0 and loss.requires_grad
    assert not torch.equal(before, contrast.mem_queue)
    assert contrast.mem_queue_ptr.tolist() == [4, 4]
    contrast.eval()
    contrast(embed, torch.randn(1, 2, 8, 8), label)
    assert contrast.mem_queue_ptr.tolist() == [4, 4]


@pytest.mark.parametrize('case', ['one_class', 'few_pixels', 'all_ignored'])
def test_degenerate_batches_give_zero_or_finite_loss(case, monkeypatch):
    messages = []
    monkeypatch.setattr(hscm, 'print_log',
                        lambda msg, *args, **kwargs: messages.append(msg))
    set_progress(100, 100)
    # 'few_pixels': a class needs more than 100 pixels, 64 exist at 8x8.
    loss = MODELS.build(
        dict(type='ChangeFineLoss', mode='paper',
             contrast=dict(type='HardSampleContrastLoss', embed_dim=8,
                           queue_size=10, per_class=4, max_samples=16,
                           max_views=100 if case == 'few_pixels' else 4)))
    label = torch.zeros(2, 16, 16, dtype=torch.long)
    if case == 'all_ignored':
        label[:] = 255
    embed = torch.randn(2, 8, 8, 8, requires_grad=True)
    pred = torch.randn(2, 2, 16, 16, requires_grad=True)
    aux = torch.randn(2, 2, 8, 8, requires_grad=True)
    ptr_before = loss.contrast.mem_queue_ptr.clone()
    losses = loss(dict(pred=pred, pred_aux=aux, dense_embed=embed), label)
    total = sum(losses.values())
    total.backward()
    for tensor in (embed, pred, aux):
        assert tensor.grad is not None and torch.isfinite(tensor.grad).all()
    if case == 'one_class':
        assert losses['loss_contrast'] > 0
    else:
        assert losses['loss_contrast'].item() == 0
        assert any('no anchors' in m for m in messages)
    if case == 'all_ignored':
        assert total.item() == 0
        assert torch.equal(loss.contrast.mem_queue_ptr, ptr_before)


def test_label_values_outside_the_classes_are_rejected():
    with pytest.raises(ValueError, match=r'label values \[7\]'):
        FocalDiceLoss()(torch.randn(1, 2, 4, 4),
                        torch.full((1, 4, 4), 7, dtype=torch.long))
    with pytest.raises(ValueError, match='0/255'):
        tiny_contrast()(torch.randn(1, 8, 4, 4), torch.randn(1, 2, 4, 4),
                        torch.full((1, 4, 4), 1, dtype=torch.long) * 254)


class FakeRank1:
    """all_gather stand-in: rank 0 is this process, rank 1 is ``other``."""

    def __init__(self, other: hscm.Writes) -> None:
        self.other = [torch.tensor([other.meta.size(0)]), other.meta,
                      other.feats]
        self.calls = 0

    def __call__(self, tensor: torch.Tensor) -> List[torch.Tensor]:
        other = self.other[self.calls]
        self.calls += 1
        if self.calls > 1:  # pad rank 1 to the gathered length, as it would
            pad = [0, 0] * (tensor.dim() - 1) + [0, tensor.size(0) -
                                                 other.size(0)]
            other = F.pad(other, pad)
        return [tensor, other]


def test_ddp_writes_of_all_ranks_are_applied_in_rank_order(monkeypatch):
    contrast = tiny_contrast('paper', queue_size=40)
    label0 = torch.zeros(1, 8, 8, dtype=torch.long)  # rank 0: one write
    label1 = torch.ones(2, 8, 8, dtype=torch.long)  # rank 1: two writes
    embed0, embed1 = labelled_embed(label0), labelled_embed(label1) * 3
    other = contrast.collect_writes(embed1, label1)
    assert other.meta.tolist() == [[1, 4], [1, 4]]
    fake = FakeRank1(other)
    monkeypatch.setattr(hscm, 'get_world_size', lambda: 2)
    monkeypatch.setattr(hscm, 'all_gather', fake)
    local = contrast.collect_writes(embed0, label0)
    gathered = contrast._gather(local)
    assert fake.calls == 3
    assert gathered.meta.tolist() == [[0, 4], [1, 4], [1, 4]]
    torch.testing.assert_close(gathered.feats[:1], local.feats)
    torch.testing.assert_close(gathered.feats[1:], other.feats)
    # Through enqueue: this rank's bank also receives rank 1's rows.
    fake.calls = 0
    contrast.enqueue(embed0, label0)
    assert contrast.mem_queue_ptr.tolist() == [4, 8]
    assert (contrast.mem_queue[0, :4, 0] < 0).all()
    torch.testing.assert_close(contrast.mem_queue[1, :8],
                               other.feats.reshape(8, 8))


def test_single_process_never_gathers(monkeypatch):
    def fail(_):
        raise AssertionError('all_gather called without DDP')

    monkeypatch.setattr(hscm, 'all_gather', fail)
    contrast = tiny_contrast('official')
    label = class_one_at_the_end()
    contrast.enqueue(labelled_embed(label), label)
    assert contrast.mem_queue_ptr.tolist() == [1, 1]


def test_focal_dice_official_vs_paper(golden):
    inputs = golden['inputs']
    official = FocalDiceLoss(mode='official')(inputs['pred'],
                                              inputs['labels'])
    paper = FocalDiceLoss(mode='paper')(inputs['pred'], inputs['labels'])
    close(official['focal'], paper['focal'])
    close(official['dice'], golden['outputs']['contrast_on']['fine_dice'])
    # Spec Sec. 11.1: per-class Dice over all pixels gives 0.4808.
    assert abs(paper['dice'].item() - 0.4808) < 1e-4


def test_focal_gradient_official_detaches_modulating_factor():
    logits = torch.randn(1, 2, 4, 4)
    label = (torch.rand(1, 4, 4) > 0.5).long()
    grads = {}
    for mode in ('official', 'paper'):
        x = logits.clone().requires_grad_()
        FocalDiceLoss(mode=mode, gamma=2.0)(x, label)['focal'].backward()
        grads[mode] = x.grad
    x = logits.clone().requires_grad_()
    log_pt = F.log_softmax(x, 1).gather(1, label[:, None])[:, 0]
    alpha = torch.tensor([0.004, 0.996])[label]
    (-(alpha * (1 - log_pt.exp())**2 * log_pt).mean()).backward()
    torch.testing.assert_close(grads['paper'], x.grad)
    assert not torch.allclose(grads['official'], grads['paper'])


@pytest.mark.parametrize('mode', ['official', 'paper'])
def test_ignored_pixels_do_not_count(mode):
    logits = torch.randn(2, 2, 8, 8)
    label = (torch.rand(2, 8, 8) > 0.5).long()
    ignored = label.clone()
    ignored[:, :, 4:] = 255
    loss = FocalDiceLoss(mode=mode, dice_weight=0.5)
    full = loss(logits, ignored)
    left = loss(logits[..., :4], label[..., :4])
    close(full['focal'], left['focal'])
    if mode == 'paper':  # the official Dice averages over columns
        close(full['dice'], left['dice'])
    with pytest.raises(ValueError, match='alpha has 2 values'):
        loss(torch.randn(1, 3, 4, 4),
             torch.zeros(1, 4, 4, dtype=torch.long))


def test_changefine_loss_weights_and_modes():
    set_progress(0, 100)
    loss = ChangeFineLoss(
        mode='paper', fine_weight=2.0, coarse_weight=0.5,
        hybrid=dict(type='FocalDiceLoss', gamma=2.0),
        contrast=None)
    assert loss.hybrid.mode == 'paper' and loss.hybrid.gamma == 2.0
    pred, aux = torch.randn(1, 2, 8, 8), torch.randn(1, 2, 4, 4)
    label = (torch.rand(1, 8, 8) > 0.5).long()
    losses = loss(dict(pred=pred, pred_aux=aux, dense_embed=None), label)
    assert 'loss_contrast' not in losses
    hybrid = FocalDiceLoss(mode='paper', gamma=2.0)
    close(losses['loss_fine_focal'], 2.0 * hybrid(pred, label)['focal'])
    close(losses['loss_coarse_dice'], 0.5 * hybrid(aux, label)['dice'])
    official = ChangeFineLoss()
    assert (official.fine_weight, official.coarse_weight,
            official.contrast_weight) == (1.0, 0.3, 0.1)
    assert official.contrast.mode == 'official'
    assert official.contrast.contrast_start == 0.8
    assert official.hybrid.alpha.tolist() == pytest.approx([0.004, 0.996])
