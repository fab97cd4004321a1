"""DualInputSegDataPreProcessor: normalise and pad a batch of image pairs."""
from numbers import Number
from typing import Any, Dict, Optional, Sequence

from mmseg.models.data_preprocessor import SegDataPreProcessor

from changefine_mm.registry import MODELS


@MODELS.register_module()
class DualInputSegDataPreProcessor(SegDataPreProcessor):
    """mmseg's ``SegDataPreProcessor`` for 6-channel (A + B) inputs.

    The inputs are A's channels followed by B's. ``bgr_to_rgb`` reverses
    the channel order of *each* date (``[2, 1, 0, 5, 4, 3]``); mean and std
    take 6 values (3 values are repeated for both dates). Normalisation,
    padding to ``size``/``size_divisor`` and the ``test_cfg`` padding are
    mmseg's, which also records ``img_shape``, ``pad_shape`` and
    ``padding_size`` in each sample's metainfo.

    Args:
        mean (sequence[float], optional): 6 (or 3) channel means.
        std (sequence[float], optional): 6 (or 3) channel stds.
        size (tuple, optional): Fixed padded size in training.
        size_divisor (int, optional): Pad to a multiple of this.
        pad_val (float): Image padding value.
        seg_pad_val (int): Label padding value.
        bgr_to_rgb (bool): Reverse each date's channel order.
        rgb_to_bgr (bool): Same operation, the other way round.
        batch_augments (list[dict], optional): Batch augmentations.
        test_cfg (dict, optional): ``size``/``size_divisor`` for testing.
    """

    def __init__(self,
                 mean: Optional[Sequence[Number]] = None,
                 std: Optional[Sequence[Number]] = None,
                 size: Optional[tuple] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: Number = 0,
                 seg_pad_val: Number = 255,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 batch_augments: Optional[list] = None,
                 test_cfg: Optional[dict] = None) -> None:
        if mean is not None and len(mean) == 3:
            mean = list(mean) * 2
        if std is not None and len(std) == 3:
            std = list(std) * 2
        super().__init__(
            mean=mean,
            std=std,
            size=size,
            size_divisor=size_divisor,
            pad_val=pad_val,
            seg_pad_val=seg_pad_val,
            bgr_to_rgb=bgr_to_rgb,
            rgb_to_bgr=rgb_to_bgr,
            batch_augments=batch_augments,
            test_cfg=test_cfg)
        self.swap_channel_order = self.channel_conversion
        self.channel_conversion = False

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Swap channels per date, then normalise and pad as mmseg does.

        Args:
            data (dict): ``inputs`` (list of (6, H, W) tensors) and
                ``data_samples`` from the dataloader.
            training (bool): Training mode (pads labels too).

        Returns:
            dict: ``inputs`` (B, 6, H', W') float tensor and the samples.
        """
        data = self.cast_data(data)
        if self.swap_channel_order:
            data['inputs'] = [
                self._reverse_each_date(x) for x in data['inputs']
            ]
        return super().forward(data, training)

    @staticmethod
    def _reverse_each_date(inputs):
        channels = inputs.size(0)
        if channels % 3:
            raise ValueError('bgr_to_rgb needs 3 channels per date, got '
                             f'{channels} channels')
        order = [g + c for g in range(0, channels, 3) for c in (2, 1, 0)]
        return inputs[order]
