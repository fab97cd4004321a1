"""ChangeStarHead: ChangeStar's ChangeMixin on a segmentation head (Zheng
et al., "Change is Everywhere: Single-Temporal Supervised Object Change
Detection in Remote Sensing Imagery", ICCV 2021), as open-cd's
``ChangeStarHead`` (opencd/models/decode_heads/changerstar_head.py), with
its state-dict names (``seg_head``, ``changemixin``, ``conv_seg``).

A segmentation head without classifier (``seg_head_cfg``, e.g. FarSeg)
decodes each date; ChangeMixin convolves the concatenated features in
both temporal orders, giving two 1-channel change logits (t1->t2 and
t2->t1), each supervised; prediction uses one of them or their mean.
"""
from typing import Dict, List, Tuple

import torch
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from torch import nn

from changefine_mm.registry import MODELS
from ..utils.traceable_pooling import adaptive_avg_pool2d

INFERENCE_MODES = ('t1t2', 't2t1', 'mean')


class TraceablePool(nn.AdaptiveAvgPool2d):
    """Square adaptive average pooling that an ONNX trace keeps correct
    for any input size (mmseg's UPerHead pools to 1, 2, 3 and 6 bins)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool ``x``."""
        if torch.jit.is_tracing():
            return adaptive_avg_pool2d(x, self.output_size)
        return super().forward(x)


def make_pooling_traceable(module: nn.Module) -> None:
    """Swap every square ``nn.AdaptiveAvgPool2d`` below ``module`` for a
    :class:`TraceablePool` (no parameters: the state dict is unchanged)."""
    for name, child in module.named_children():
        if type(child) is nn.AdaptiveAvgPool2d and isinstance(
                child.output_size, int):
            setattr(module, name, TraceablePool(child.output_size))
        else:
            make_pooling_traceable(child)


class ChangeMixin(BaseModule):
    """Conv-BN-ReLU blocks on both temporal orders of a feature pair.

    Args:
        in_channels (int): Channels of both dates together.
        inner_channels (int): Channels of the blocks.
        num_convs (int): Blocks.
    """

    def __init__(self,
                 in_channels: int = 128 * 2,
                 inner_channels: int = 16,
                 num_convs: int = 4) -> None:
        super().__init__()
        self.convs = nn.Sequential(*[
            nn.Sequential(
                nn.Conv2d(in_channels if i == 0 else inner_channels,
                          inner_channels, 3, 1, 1),
                nn.BatchNorm2d(inner_channels), nn.ReLU(True))
            for i in range(num_convs)
        ])

    def forward(self, x1: torch.Tensor,
                x2: torch.Tensor) -> List[torch.Tensor]:
        """Features of (t1, t2) and of (t2, t1)."""
        return [
            self.convs(torch.cat([x1, x2], dim=1)),
            self.convs(torch.cat([x2, x1], dim=1))
        ]


@MODELS.register_module()
class ChangeStarHead(BaseDecodeHead):
    """ChangeStar head.

    Args:
        inference_mode (str): Logits used to predict: 't1t2', 't2t1' or
            'mean'. Defaults to 't1t2'.
        seg_head_cfg (dict): The per-date segmentation head; its classifier
            is removed, its own loss unused.
        changemixin_cfg (dict): :class:`ChangeMixin` arguments;
            ``inner_channels`` must equal ``channels``.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_index`` selects
            the concat-fused levels and scene embedding).
    """

    def __init__(self, inference_mode: str = 't1t2', *, seg_head_cfg: dict,
                 changemixin_cfg: dict, **kwargs) -> None:
        super().__init__(input_transform='multiple_select', **kwargs)
        if self.channels != changemixin_cfg['inner_channels']:
            raise ValueError(
                f'ChangeStarHead channels ({self.channels}) must equal '
                "changemixin_cfg['inner_channels'] "
                f"({changemixin_cfg['inner_channels']})")
        if inference_mode not in INFERENCE_MODES:
            raise ValueError(f'inference_mode must be one of '
                             f'{INFERENCE_MODES}, got {inference_mode!r}')
        self.inference_mode = inference_mode
        seg_head_cfg = dict(seg_head_cfg)
        # Placeholders that let the head build: it never classifies.
        seg_head_cfg.update(
            num_classes=2, out_channels=1, dropout_ratio=0.,
            loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=True,
                             loss_weight=0.))
        self.seg_head = MODELS.build(seg_head_cfg)
        self.seg_head.conv_seg = nn.Identity()
        make_pooling_traceable(self.seg_head)
        self.changemixin = ChangeMixin(**changemixin_cfg)

    def forward(self, inputs: List[torch.Tensor]
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Change logits of (t1, t2) and of (t2, t1).

        Args:
            inputs (list[Tensor]): Concat-fused levels (date A's channels,
                then date B's).

        Returns:
            tuple[Tensor, Tensor]: Two (B, out_channels, h, w) logits.
        """
        dates = [x.chunk(2, dim=1) for x in self._transform_inputs(inputs)]
        x1 = self.seg_head([a for a, _ in dates])
        x2 = self.seg_head([b for _, b in dates])
        c12, c21 = self.changemixin(x1, x2)
        return self.cls_seg(c12), self.cls_seg(c21)

    def loss_by_feat(self, seg_logits: Tuple[torch.Tensor, torch.Tensor],
                     batch_data_samples) -> Dict[str, torch.Tensor]:
        """Every loss on both temporal orders, prefixed 't1t2.'/'t2t1.'.

        Args:
            seg_logits (tuple[Tensor, Tensor]): From :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: Losses and accuracies.
        """
        label = self._stack_batch_gt(batch_data_samples)
        losses_decode = (self.loss_decode if isinstance(
            self.loss_decode, nn.ModuleList) else [self.loss_decode])
        losses = dict()
        for prefix, logits in zip(('t1t2.', 't2t1.'), seg_logits):
            logits = resize(logits, size=label.shape[2:], mode='bilinear',
                            align_corners=self.align_corners)
            weight = (None if self.sampler is None else
                      self.sampler.sample(logits, label))
            for loss_decode in losses_decode:
                losses[prefix + loss_decode.loss_name] = loss_decode(
                    logits, label.squeeze(1), weight=weight,
                    ignore_index=self.ignore_index)
            losses[prefix + 'acc_seg'] = accuracy(
                logits, label.squeeze(1), ignore_index=self.ignore_index)
        return losses

    def predict_by_feat(self, seg_logits: Tuple[torch.Tensor, torch.Tensor],
                        batch_img_metas: List[dict]) -> torch.Tensor:
        """The logits of ``inference_mode``, resized as mmseg does."""
        t1t2, t2t1 = seg_logits
        logits = {
            't1t2': lambda: t1t2,
            't2t1': lambda: t2t1,
            'mean': lambda: (t1t2 + t2t1) / 2.0
        }[self.inference_mode]()
        return super().predict_by_feat(logits, batch_img_metas)
