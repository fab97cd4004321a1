"""Shared base of the bi-temporal encoder-decoders."""
from typing import List, Optional

import torch
from mmengine.config import ConfigDict
from mmengine.registry import DefaultScope
from mmseg.models.segmentors import EncoderDecoder


class BiTemporalEncoderDecoder(EncoderDecoder):
    """mmseg's ``EncoderDecoder`` for (B, 2C, H, W) inputs of two dates.

    Loss, whole/slide inference and post-processing are mmseg's: a
    2-channel head is decoded by argmax, a 1-channel head by sigmoid and
    ``decode_head.threshold``. Subclasses define how the dates are encoded
    in :meth:`extract_feat`.

    Args:
        backbone (dict): Backbone config.
        decode_head (dict): Decode head config.
        neck (dict, optional): Neck config.
        backbone_inchannels (int): Channels per date. Defaults to 3.
        **kwargs: ``auxiliary_head``, ``train_cfg``, ``test_cfg``,
            ``data_preprocessor``, ``pretrained``, ``init_cfg``.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: Optional[dict] = None,
                 backbone_inchannels: int = 3,
                 **kwargs) -> None:
        # mmseg reads train/test settings as attributes (test_cfg.mode).
        for key in ('train_cfg', 'test_cfg'):
            if isinstance(kwargs.get(key), dict):
                kwargs[key] = ConfigDict(kwargs[key])
        # mmseg builds sub-modules with its own registry; building inside
        # our scope lets it find our modules as well as mmseg's.
        with DefaultScope.overwrite_default_scope('changefine_mm'):
            super().__init__(backbone=backbone, decode_head=decode_head,
                             neck=neck, **kwargs)
        self.backbone_inchannels = backbone_inchannels

    def split_dates(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Split (B, 2C, H, W) inputs into date A and date B.

        Args:
            inputs (Tensor): The stacked pair.

        Returns:
            list[Tensor]: Date A and date B, each (B, C, H, W).
        """
        if inputs.size(1) != 2 * self.backbone_inchannels:
            raise ValueError(
                f'expected {2 * self.backbone_inchannels} input channels '
                f'(two dates of {self.backbone_inchannels}), got '
                f'{inputs.size(1)}')
        return list(torch.split(inputs, self.backbone_inchannels, dim=1))
