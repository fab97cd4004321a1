"""DualInputSegDataPreProcessor: normalise and pad a batch of image pairs."""
from numbers import Number
from typing import Any, Dict, Optional, Sequence

import torch
from mmseg.models.data_preprocessor import SegDataPreProcessor

from changefine_mm.registry import MODELS
from changefine_mm.utils.pixel_scaling import load_stats, stats_values


@MODELS.register_module()
class DualInputSegDataPreProcessor(SegDataPreProcessor):
    """mmseg's ``SegDataPreProcessor`` for 6-channel (A + B) inputs.

    The inputs are A's channels followed by B's. ``bgr_to_rgb`` reverses
    the channel order of *each* date (``[2, 1, 0, 5, 4, 3]``; only for
    3-band dates). Mean and std hold one value per band of a date
    (repeated for date B) or one per band of both dates (A's, then B's):
    3 values are always per date, other counts are matched against the
    input channels at the first batch. ``stats_file`` reads them instead
    from ``tools/analysis_tools/dataset_stats.py``'s file (raw values: use
    it with the loader's ``scale=dict(type='raw')``). Normalisation,
    padding to ``size``/``size_divisor`` and the ``test_cfg`` padding are
    mmseg's, which also records ``img_shape``, ``pad_shape`` and
    ``padding_size`` in each sample's metainfo.

    ``channels_last=True`` hands the batch to the model in the channels-last
    memory layout (same values, other strides), which the convolutions
    then keep. oneDNN's CPU convolutions, transposed ones in particular,
    are much faster in that layout: FC-Siam-diff's forward runs 1.4-1.7x
    faster in float32 (docs/baselines.md has the measurements per model).
    Outputs equal the default layout's up to float rounding.

    Args:
        mean (sequence[float], optional): N (one date) or 2N channel
            means.
        std (sequence[float], optional): N or 2N channel stds.
        size (tuple, optional): Fixed padded size in training.
        size_divisor (int, optional): Pad to a multiple of this.
        pad_val (float): Image padding value.
        seg_pad_val (int): Label padding value.
        bgr_to_rgb (bool): Reverse each date's channel order.
        rgb_to_bgr (bool): Same operation, the other way round.
        batch_augments (list[dict], optional): Batch augmentations.
        test_cfg (dict, optional): ``size``/``size_divisor`` for testing.
        stats_file (str, optional): Statistics JSON giving mean and std.
        stats_bands (sequence[int], optional): File bands (1-based) of the
            input, in input order, to look up in ``stats_file``; defaults
            to every band of the file.
        channels_last (bool): Give the model channels-last batches.
            Defaults to False.
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
                 test_cfg: Optional[dict] = None,
                 stats_file: Optional[str] = None,
                 stats_bands: Optional[Sequence[int]] = None,
                 channels_last: bool = False) -> None:
        if stats_file is not None:
            if mean is not None or std is not None:
                raise ValueError('give either mean/std or stats_file, not '
                                 'both')
            mean, std = _file_mean_std(stats_file, stats_bands)
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
        self.channels_last = channels_last

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Swap channels per date, then normalise and pad as mmseg does.

        Args:
            data (dict): ``inputs`` (list of (6, H, W) tensors) and
                ``data_samples`` from the dataloader.
            training (bool): Training mode (pads labels too).

        Returns:
            dict: ``inputs`` (B, 6, H', W') float tensor (channels-last
            with ``channels_last=True``) and the samples.
        """
        data = self.cast_data(data)
        if self._enable_normalize:
            self._match_dates(data['inputs'][0].size(0))
        if self.swap_channel_order:
            data['inputs'] = [
                self._reverse_each_date(x) for x in data['inputs']
            ]
        batch = super().forward(data, training)
        if self.channels_last:
            batch['inputs'] = batch['inputs'].contiguous(
                memory_format=torch.channels_last)
        return batch

    def _match_dates(self, channels: int) -> None:
        """Repeat one date's mean/std for date B on the first batch."""
        if self.mean.size(0) == channels:
            return
        if 2 * self.mean.size(0) != channels:
            raise ValueError(
                f'the data preprocessor has {self.mean.size(0)} means/stds '
                f'but the inputs have {channels} channels (two dates of '
                f'{channels // 2}): give one value per band of a date')
        self.mean = self.mean.repeat(2, 1, 1)
        self.std = self.std.repeat(2, 1, 1)

    @staticmethod
    def _reverse_each_date(inputs):
        channels = inputs.size(0)
        if channels != 6:
            raise ValueError(
                f'bgr_to_rgb reverses dates of 3 bands, these inputs have '
                f'{channels // 2} bands per date: set bgr_to_rgb=False')
        order = [g + c for g in range(0, channels, 3) for c in (2, 1, 0)]
        return inputs[order]


def _file_mean_std(path: str, bands: Optional[Sequence[int]]):
    """Per-band mean and std of a statistics file, for some bands."""
    stats = load_stats(path)
    bands = list(stats['bands']) if bands is None else list(bands)
    return (stats_values(stats, 'mean', bands, path).tolist(),
            stats_values(stats, 'std', bands, path).tolist())
