"""DualInputSegDataPreProcessor: per-date channel swap, 6-value stats, pad."""
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.models import DualInputSegDataPreProcessor
from conftest import golden_path


def sample(shape):
    data_sample = SegDataSample()
    data_sample.gt_sem_seg = PixelData(data=torch.ones(1, *shape,
                                                       dtype=torch.long))
    data_sample.set_metainfo(dict(ori_shape=shape, img_shape=shape))
    return data_sample


def test_bgr_to_rgb_reverses_each_date():
    pre = DualInputSegDataPreProcessor(bgr_to_rgb=True)
    inputs = torch.arange(6, dtype=torch.uint8).view(6, 1, 1).expand(6, 2, 2)
    out = pre(dict(inputs=[inputs], data_samples=[sample((2, 2))]))
    assert out['inputs'][0, :, 0, 0].tolist() == [2, 1, 0, 5, 4, 3]


def test_three_value_stats_apply_to_both_dates():
    pre = DualInputSegDataPreProcessor(mean=[1, 2, 3], std=[2, 2, 2])
    inputs = torch.full((6, 2, 2), 5, dtype=torch.uint8)
    out = pre(dict(inputs=[inputs], data_samples=[sample((2, 2))]))
    assert out['inputs'][0, :, 0, 0].tolist() == [2, 1.5, 1, 2, 1.5, 1]


def test_padding_in_training_and_testing():
    pre = DualInputSegDataPreProcessor(
        size_divisor=32, seg_pad_val=255, test_cfg=dict(size_divisor=32))
    inputs = torch.zeros(6, 40, 50, dtype=torch.uint8)
    train = pre(dict(inputs=[inputs], data_samples=[sample((40, 50))]),
                training=True)
    assert train['inputs'].shape == (1, 6, 64, 64)
    label = train['data_samples'][0].gt_sem_seg.data
    assert label.shape == (1, 64, 64) and label[0, 50, 60] == 255
    test = pre(dict(inputs=[inputs], data_samples=[sample((40, 50))]))
    assert test['inputs'].shape == (1, 6, 64, 64)
    assert tuple(test['data_samples'][0].img_padding_size) == (0, 14, 0, 24)


def test_reproduces_open_cd_normalisation():
    reference = torch.load(
        golden_path('opencd', 'fc_siam_diff_levircd', 'reference_io.pt'),
        weights_only=True)
    pre = DualInputSegDataPreProcessor(
        mean=[123.675, 116.28, 103.53] * 2,
        std=[58.395, 57.12, 57.375] * 2,
        bgr_to_rgb=True,
        size_divisor=32,
        test_cfg=dict(size_divisor=32))
    out = pre(dict(inputs=[reference['packed_inputs_uint8']],
                   data_samples=[sample((256, 256))]))
    torch.testing.assert_close(out['inputs'], reference['inputs_normalized'],
                               rtol=0, atol=0)


def test_channels_last_changes_the_layout_not_the_values():
    inputs = torch.randint(0, 255, (6, 8, 12), dtype=torch.uint8)
    batches = [
        DualInputSegDataPreProcessor(mean=[1, 2, 3], std=[2, 2, 2],
                                     channels_last=layout)(
            dict(inputs=[inputs], data_samples=[sample((8, 12))]))
        for layout in (False, True)
    ]
    plain, last = (b['inputs'] for b in batches)
    assert plain.is_contiguous()
    assert last.is_contiguous(memory_format=torch.channels_last)
    assert not last.is_contiguous()
    assert torch.equal(plain, last)
