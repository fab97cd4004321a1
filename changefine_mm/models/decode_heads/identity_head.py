"""IdentityHead / DSIdentityHead: heads for backbones that output logits.

open-cd's ``IdentityHead`` and ``DSIdentityHead``
(opencd/models/decode_heads/identity_head.py). CGNet, IFN and TinyCD end in
their own classifier; the head only picks the map named by ``in_index``
and supplies mmseg's loss and post-processing. Neither has weights.
"""
from typing import Dict, List

import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize

from changefine_mm.registry import MODELS


@MODELS.register_module()
class IdentityHead(BaseDecodeHead):
    """Pass the selected backbone output through as the logits.

    Args:
        **kwargs: :class:`BaseDecodeHead` arguments except ``channels``
            (``in_index``, ``num_classes``, ``out_channels``, ``threshold``,
            ``loss_decode`` ...).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(channels=1, **kwargs)
        # The logits come from the backbone: no classifier of its own.
        del self.conv_seg

    def init_weights(self) -> None:
        """Nothing to initialise."""

    def forward(self, inputs: List[torch.Tensor]):
        """Select the logits (a list of them for ``multiple_select``).

        Args:
            inputs (list[Tensor]): The backbone's outputs.

        Returns:
            Tensor | list[Tensor]: The map(s) named by ``in_index``.
        """
        return self._transform_inputs(inputs)


@MODELS.register_module()
class DSIdentityHead(IdentityHead):
    """Deep supervision of several backbone outputs (IFN's side outputs).

    Each selected map is resized to the label and gets every
    ``loss_decode``, logged as ``aux_<i>_<loss name>``.
    """

    def loss_by_feat(self, seg_logits: List[torch.Tensor],
                     batch_data_samples) -> Dict[str, torch.Tensor]:
        """Losses of every supervised map.

        Args:
            seg_logits (list[Tensor]): The selected maps.
            batch_data_samples (list[SegDataSample]): Samples with
                ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: One loss per map and loss, and the accuracy
            of the last map.
        """
        label = self._stack_batch_gt(batch_data_samples)
        losses = dict()
        for index, logits in enumerate(seg_logits):
            logits = resize(logits, size=label.shape[2:], mode='bilinear',
                            align_corners=self.align_corners)
            weight = (None if self.sampler is None else
                      self.sampler.sample(logits, label))
            for loss_decode in self.loss_decode_list:
                losses[f'aux_{index}_{loss_decode.loss_name}'] = loss_decode(
                    logits, label.squeeze(1), weight=weight,
                    ignore_index=self.ignore_index)
        losses['acc_seg'] = accuracy(logits, label.squeeze(1),
                                     ignore_index=self.ignore_index)
        return losses

    @property
    def loss_decode_list(self) -> List[torch.nn.Module]:
        """``loss_decode`` as a list (mmseg keeps one loss bare)."""
        if isinstance(self.loss_decode, torch.nn.ModuleList):
            return list(self.loss_decode)
        return [self.loss_decode]
