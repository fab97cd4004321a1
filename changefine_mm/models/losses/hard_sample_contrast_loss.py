"""HardSampleContrastLoss (HSCM): pixel contrast against a class memory
bank."""
import logging
from typing import List, NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import all_gather, get_world_size
from mmengine.logging import MessageHub, print_log
from torch import Tensor, nn

from changefine_mm.registry import MODELS
from .focal_dice import MODES, check_labels

# Stabilisers of the official ratio -log(pos / (pos + neg + eps) + eps).
_EPS = 1e-8


class Anchors(NamedTuple):
    """Sampled anchor pixels.

    Attributes:
        feats (Tensor): Raw embeddings (A, n_view, D).
        labels (Tensor): Class of each anchor set (A,).
        image_index (Tensor): Batch index of each anchor set (A,).
        pixel_index (Tensor): Flat pixel indices ``y * w + x`` on the
            embedding grid, hard pixels first (A, n_view).
    """
    feats: Tensor
    labels: Tensor
    image_index: Tensor
    pixel_index: Tensor


class Writes(NamedTuple):
    """Memory-bank writes, applied in order.

    Attributes:
        meta (Tensor): (G, 2) long: class and number of rows of each write.
        feats (Tensor): (G, per_class, D) L2-normalised rows, zero padded.
    """
    meta: Tensor
    feats: Tensor


@MODELS.register_module()
class HardSampleContrastLoss(nn.Module):
    """Hard Sample Contrast Module of ChangeFine (paper Sec. HSCM).

    Official counterpart: ``PixelContrastLoss`` (``_build_anchor_sampling``,
    ``_contrastive`` with the queue) and ``Contrast_loss._dequeue_and_enqueue``
    in ``lib/loss/loss_helper.py`` of whudk/ChangeFine, with the model
    buffers ``mem_queue`` [C, Q, D] and ``mem_queue_ptr`` [C] (same names
    here).

    Per call (training):

    1. labels are resized (nearest) and the final logits (bilinear,
       align_corners True, then argmax) to the embedding grid;
    2. anchors: per image, every class with more than ``max_views`` pixels;
       ``n = min(max_samples // #anchor sets, max_views)`` views each, half
       *hard* (labelled c, predicted otherwise) and half *easy* (labelled
       and predicted c), topped up from the other set when one is short;
    3. if the contrast term is active, each L2-normalised anchor view is
       contrasted with every bank row: ``-log(P / (P + N))`` with P (N) the
       summed exp-similarities to rows of the same (other) class;
    4. up to ``per_class`` random pixels per (image, class) are
       L2-normalised and written to the bank (no gradient).

    The contrast term is active once ``iter >= contrast_start * max_iters``
    (mmengine ``MessageHub`` runtime info; the official switch is the epoch
    at 80 %). The bank is updated from the first iteration on.

    ``mode='official'`` reproduces the official code: the bank starts as
    unnormalised standard-normal noise; the rows written for class c are the
    pixels at the raster positions given by ``randperm(n_c)[:K]``, whatever
    their label (spec Sec. 11.2); the pointer advances by 1 per write, and a
    write that would reach the end goes to the last K rows and resets the
    pointer to 0; similarities have no temperature; row r of the anchor
    matrix ignores bank column r (left-over of self-contrast code).
    ``mode='paper'``: L2-normalised initial bank, writes of class-c pixels
    only, a ring buffer whose pointer advances by the rows written,
    similarities divided by ``temperature`` and no masked column.

    In both modes the writes of all ranks are all-gathered and applied in
    rank order, so every rank keeps the same bank (the official code lets
    DDP overwrite the other ranks' banks with rank 0's). A batch without
    anchors (too few pixels per class, all pixels ignored) gives a zero loss
    that keeps the graph.

    Args:
        mode (str): ``'official'`` or ``'paper'``. Defaults to 'official'.
        num_classes (int): Classes (bank rows per class). Defaults to 2.
        embed_dim (int): Embedding width D. Defaults to 512.
        queue_size (int): Bank rows per class Q. Defaults to 5000.
        per_class (int): Rows written per (image, class). Defaults to 100.
        max_samples (int): Anchor views per batch. Defaults to 1024.
        max_views (int): Views per anchor set; a class needs more pixels
            than this to give anchors. Defaults to 100 (SYSU config: 50).
        temperature (float, optional): Paper mode only; None means 0.1, the
            usual value of pixel-contrast methods (the official config's
            0.007 is never used by the official code). Defaults to None.
        contrast_start (float): Fraction of training after which the
            contrast term is active. Defaults to 0.8.
    """

    def __init__(self,
                 mode: str = 'official',
                 num_classes: int = 2,
                 embed_dim: int = 512,
                 queue_size: int = 5000,
                 per_class: int = 100,
                 max_samples: int = 1024,
                 max_views: int = 100,
                 temperature: Optional[float] = None,
                 contrast_start: float = 0.8) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if mode == 'official' and temperature is not None:
            raise ValueError("mode='official' has no temperature (the "
                             'official code never divides by it); got '
                             f'temperature={temperature}')
        if not 0 < per_class <= queue_size:
            raise ValueError(f'per_class ({per_class}) must be in '
                             f'[1, queue_size={queue_size}]')
        if mode == 'official' and max_samples > num_classes * queue_size:
            raise ValueError(
                f'max_samples ({max_samples}) exceeds the bank size '
                f'({num_classes} x {queue_size}); the official masked '
                'column r needs a bank column for every anchor row')
        self.mode = mode
        self.num_classes = num_classes
        self.per_class = per_class
        self.max_samples = max_samples
        self.max_views = max_views
        self.temperature = 1.0 if mode == 'official' else (
            0.1 if temperature is None else temperature)
        self.contrast_start = contrast_start
        bank = torch.randn(num_classes, queue_size, embed_dim)
        if mode == 'paper':
            bank = F.normalize(bank, dim=2)
        self.register_buffer('mem_queue', bank)
        self.register_buffer('mem_queue_ptr',
                             torch.zeros(num_classes, dtype=torch.long))

    def forward(self,
                embed: Tensor,
                pred: Tensor,
                label: Tensor,
                ignore_index: int = 255) -> Tensor:
        """Contrast loss (or zero), then the bank update in training.

        Args:
            embed (Tensor): Pixel embeddings ``dense_embed`` (B, D, h, w).
            pred (Tensor): Final logits (B, C, H', W').
            label (Tensor): Labels (B, H, W).
            ignore_index (int): Label to ignore. Defaults to 255.

        Returns:
            Tensor: Scalar loss (unweighted).
        """
        label = F.interpolate(
            label.unsqueeze(1).float(), size=embed.shape[-2:],
            mode='nearest').squeeze(1).long()
        valid = check_labels(label, self.num_classes, ignore_index)
        label = label.masked_fill(~valid, -1)
        if self.contrast_active():
            loss = self.contrast(embed, pred, label)
        else:
            loss = embed.sum() * 0
        if self.training:
            self.enqueue(embed.detach(), label)
        return loss

    def contrast_active(self) -> bool:
        """Whether training progress has reached ``contrast_start``."""
        hub = MessageHub.get_current_instance()
        cur_iter = hub.get_info('iter')
        max_iters = hub.get_info('max_iters')
        if cur_iter is None or not max_iters:
            print_log('HardSampleContrastLoss: no iter/max_iters in the '
                      'MessageHub; the contrast term is active only if '
                      'contrast_start <= 0', 'current', logging.DEBUG)
            return self.contrast_start <= 0
        return cur_iter >= self.contrast_start * max_iters

    def contrast(self, embed: Tensor, pred: Tensor, label: Tensor) -> Tensor:
        """Sample anchors and contrast them with the bank.

        Args:
            embed (Tensor): (B, D, h, w).
            pred (Tensor): Final logits (B, C, H', W').
            label (Tensor): Labels on the embedding grid (B, h, w), -1 where
                ignored.

        Returns:
            Tensor: Scalar loss; zero (with graph) when there is no anchor.
        """
        anchors = self.sample_anchors(embed, pred, label)
        if anchors is None:
            return embed.sum() * 0
        return self.contrastive(anchors.feats, anchors.labels)

    def sample_anchors(self, embed: Tensor, pred: Tensor,
                       label: Tensor) -> Optional[Anchors]:
        """Hard/easy anchor sampling (official ``_build_anchor_sampling``).

        Args:
            embed (Tensor): (B, D, h, w).
            pred (Tensor): Logits (B, C, H', W').
            label (Tensor): (B, h, w), -1 where ignored.

        Returns:
            Anchors | None: None when no class of any image has more than
            ``max_views`` pixels.
        """
        batch, dim, h, w = embed.shape
        predicted = F.interpolate(
            pred.detach(), size=(h, w), mode='bilinear',
            align_corners=True).argmax(dim=1).flatten(1)
        label = label.flatten(1)
        feats = embed.permute(0, 2, 3, 1).reshape(batch, h * w, dim)
        classes = [self._anchor_classes(label[i]) for i in range(batch)]
        total = sum(len(c) for c in classes)
        n_view = min(self.max_samples // total, self.max_views) if total \
            else 0
        if n_view == 0:
            print_log(
                'HardSampleContrastLoss: no anchors (no class has more than '
                f'max_views={self.max_views} pixels at {h}x{w}, or more '
                f'anchor sets than max_samples={self.max_samples}); zero '
                'contrast loss', 'current', logging.DEBUG)
            return None
        picked: List[Tuple[int, int, Tensor]] = []
        for i, image_classes in enumerate(classes):
            for cls in image_classes:
                index = self._pick_views(label[i], predicted[i], cls, n_view)
                if index is not None:
                    picked.append((i, cls, index))
        if not picked:
            return None
        image_index = torch.tensor([p[0] for p in picked],
                                   device=embed.device)
        pixel_index = torch.stack([p[2] for p in picked])
        return Anchors(
            feats=feats[image_index.unsqueeze(1), pixel_index],
            labels=torch.tensor([p[1] for p in picked], device=embed.device),
            image_index=image_index,
            pixel_index=pixel_index)

    def _anchor_classes(self, label: Tensor) -> List[int]:
        """Classes of one image with more than ``max_views`` pixels."""
        counts = torch.bincount(label[label >= 0],
                                minlength=self.num_classes).tolist()
        return [c for c, n in enumerate(counts) if n > self.max_views]

    @staticmethod
    def _pick_views(label: Tensor, predicted: Tensor, cls: int,
                    n_view: int) -> Optional[Tensor]:
        """``n_view`` pixel indices of class ``cls``, hard ones first."""
        is_cls = label == cls
        hard = (is_cls & (predicted != cls)).nonzero().squeeze(1)
        easy = (is_cls & (predicted == cls)).nonzero().squeeze(1)
        num_hard, num_easy = hard.numel(), easy.numel()
        if num_hard >= n_view / 2 and num_easy >= n_view / 2:
            keep_hard = n_view // 2
        elif num_hard >= n_view / 2:
            keep_hard = min(n_view, num_hard)
        elif num_easy >= n_view / 2:
            keep_hard = num_hard
        else:
            # Unreachable for anchor classes (> max_views >= n_view pixels),
            # kept as the official guard.
            return None
        # The official code draws both permutations (CPU generator) even
        # when no easy pixel is kept; seeded runs depend on it.
        hard = hard[torch.randperm(num_hard)[:keep_hard].to(hard.device)]
        easy = easy[torch.randperm(num_easy)[:n_view - keep_hard].to(
            easy.device)]
        return torch.cat((hard, easy))

    def contrastive(self, feats: Tensor, labels: Tensor) -> Tensor:
        """Contrast anchor views with every bank row.

        Args:
            feats (Tensor): Raw anchor embeddings (A, n_view, D).
            labels (Tensor): Anchor classes (A,).

        Returns:
            Tensor: Mean over the A * n_view rows of ``-log(P / (P + N))``.
        """
        num_anchors, n_view, dim = feats.shape
        # View-major rows (row r = anchor r % A, view r // A), as officially.
        anchor = F.normalize(
            feats.transpose(0, 1).reshape(-1, dim).float(), dim=1)
        row_labels = labels.repeat(n_view)
        num_classes, queue_size, _ = self.mem_queue.shape
        # A copy: the bank is updated in place before backward runs.
        bank = self.mem_queue.reshape(-1, dim).clone()
        logits = anchor @ bank.t()
        logits = logits / self.temperature
        logits = logits - logits.max(dim=1, keepdim=True).values.detach()
        if self.mode == 'official':
            rows = torch.arange(logits.size(0), device=logits.device)
            logits = logits.index_put(
                (rows, rows), logits.new_tensor(float('-inf')))
        per_class = logits.exp().reshape(-1, num_classes, queue_size).sum(2)
        same = F.one_hot(row_labels, num_classes).to(per_class.dtype)
        pos = (per_class * same).sum(1)
        neg = (per_class * (1 - same)).sum(1)
        return -torch.log(pos / (pos + neg + _EPS) + _EPS).mean()

    @torch.no_grad()
    def enqueue(self, embed: Tensor, label: Tensor) -> None:
        """Write pixel embeddings of every rank into the bank.

        Args:
            embed (Tensor): (B, D, h, w), detached.
            label (Tensor): (B, h, w) on the same grid, -1 where ignored.
        """
        writes = self._gather(self.collect_writes(embed, label))
        for (cls, count), rows in zip(writes.meta.tolist(), writes.feats):
            self._write(cls, rows[:count])

    def collect_writes(self, embed: Tensor, label: Tensor) -> Writes:
        """This rank's writes: per image, per present class (ascending).

        Args:
            embed (Tensor): (B, D, h, w).
            label (Tensor): (B, h, w), -1 where ignored.

        Returns:
            Writes: Classes, counts and normalised rows.
        """
        batch, dim = embed.shape[:2]
        meta, rows = [], []
        for i in range(batch):
            flat_label = label[i].flatten()
            flat_feats = embed[i].reshape(dim, -1)
            for cls in torch.unique(flat_label[flat_label >= 0]).tolist():
                pixels = (flat_label == cls).nonzero().squeeze(1)
                perm = torch.randperm(pixels.numel())[:self.per_class]
                perm = perm.to(pixels.device)
                # Official bug reproduced: the permutation of the class's
                # pixel list is used as raster positions.
                picked = perm if self.mode == 'official' else pixels[perm]
                feats = F.normalize(flat_feats[:, picked].t().float(), dim=1)
                meta.append((cls, feats.size(0)))
                rows.append(F.pad(feats,
                                  (0, 0, 0, self.per_class - feats.size(0))))
        device = embed.device
        if not rows:
            return Writes(
                torch.zeros(0, 2, dtype=torch.long, device=device),
                torch.zeros(0, self.per_class, dim, device=device))
        return Writes(torch.tensor(meta, device=device), torch.stack(rows))

    @staticmethod
    def _gather(writes: Writes) -> Writes:
        """All-gather the writes of every rank (rank order); no-op alone."""
        if get_world_size() == 1:
            return writes
        count = torch.tensor([writes.meta.size(0)],
                             device=writes.meta.device)
        counts = [int(c) for c in all_gather(count)]
        pad = max(counts) - writes.meta.size(0)
        meta = all_gather(F.pad(writes.meta, (0, 0, 0, pad)))
        feats = all_gather(F.pad(writes.feats, (0, 0, 0, 0, 0, pad)))
        return Writes(
            torch.cat([m[:c] for m, c in zip(meta, counts)]),
            torch.cat([f[:c] for f, c in zip(feats, counts)]))

    def _write(self, cls: int, rows: Tensor) -> None:
        """Write ``rows`` of class ``cls`` at its pointer and advance it."""
        queue_size = self.mem_queue.size(1)
        count = rows.size(0)
        ptr = int(self.mem_queue_ptr[cls])
        rows = rows.to(self.mem_queue.dtype)
        if self.mode == 'official':
            if ptr + count >= queue_size:
                self.mem_queue[cls, queue_size - count:] = rows
                self.mem_queue_ptr[cls] = 0
            else:
                self.mem_queue[cls, ptr:ptr + count] = rows
                self.mem_queue_ptr[cls] = (ptr + 1) % queue_size
        else:
            index = (ptr + torch.arange(count, device=rows.device)) \
                % queue_size
            self.mem_queue[cls, index] = rows
            self.mem_queue_ptr[cls] = (ptr + count) % queue_size
