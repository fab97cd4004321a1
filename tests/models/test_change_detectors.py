"""SiamEncoderDecoder, DIEncoderDecoder and FeatureFusionNeck."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.models import FeatureFusionNeck
from changefine_mm.registry import MODELS

PREPROCESSOR = dict(
    type='DualInputSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53] * 2,
    std=[58.395, 57.12, 57.375] * 2,
    bgr_to_rgb=True,
    size_divisor=16,
    test_cfg=dict(size_divisor=16))


def siam_cfg(out_channels=2, test_cfg=None, neck=True):
    """A tiny Siamese ResNet-18 + concat neck + mmseg FCN head."""
    cfg = dict(
        type='SiamEncoderDecoder',
        data_preprocessor=PREPROCESSOR,
        backbone=dict(
            type='ResNetV1c',  # mmseg's, found through the parent registry
            depth=18,
            stem_channels=8,
            base_channels=8,
            num_stages=2,
            strides=(1, 2),
            dilations=(1, 1),
            out_indices=(0, 1)),
        decode_head=dict(
            type='mmseg.FCNHead',
            in_channels=32,
            in_index=1,
            channels=8,
            num_convs=1,
            num_classes=2,
            out_channels=out_channels,
            threshold=0.5,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=out_channels == 1)),
        test_cfg=test_cfg or dict(mode='whole'))
    if neck:
        cfg['neck'] = dict(
            type='FeatureFusionNeck', policy='concat', out_indices=(0, 1))
    return cfg


def batch(size=32, count=2):
    samples = []
    for _ in range(count):
        data_sample = SegDataSample()
        label = torch.zeros(1, size, size, dtype=torch.long)
        label[:, size // 4:size // 2, size // 4:size // 2] = 1
        data_sample.gt_sem_seg = PixelData(data=label)
        data_sample.set_metainfo(dict(ori_shape=(size, size),
                                      img_shape=(size, size)))
        samples.append(data_sample)
    inputs = [torch.randint(0, 255, (6, size, size), dtype=torch.uint8)
              for _ in range(count)]
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('out_channels', [2, 1])
def test_siam_predicts_binary_masks(out_channels):
    torch.manual_seed(0)
    model = MODELS.build(siam_cfg(out_channels)).eval()
    with torch.no_grad():
        results = model.test_step(batch())
    assert len(results) == 2
    pred = results[0].pred_sem_seg.data
    assert pred.shape == (1, 32, 32)
    assert set(pred.unique().tolist()) <= {0, 1}
    assert results[0].seg_logits.data.shape == (out_channels, 32, 32)


def test_slide_inference_matches_output_shape():
    torch.manual_seed(0)
    model = MODELS.build(
        siam_cfg(test_cfg=dict(mode='slide', crop_size=(32, 32),
                               stride=(16, 16)))).eval()
    with torch.no_grad():
        results = model.test_step(batch(size=48, count=1))
    assert results[0].pred_sem_seg.data.shape == (1, 48, 48)


def test_siam_trains_and_shares_one_backbone():
    torch.manual_seed(0)
    model = MODELS.build(siam_cfg())
    calls = []
    model.backbone.register_forward_hook(lambda *a: calls.append(1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    data = batch()
    losses = []
    for _ in range(5):
        processed = model.data_preprocessor(data, training=True)
        loss = model.loss(**processed)['decode.loss_ce']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert len(calls) == 10  # one shared backbone, called once per date
    assert losses[-1] < losses[0]


def test_siam_needs_a_neck_and_two_dates():
    with pytest.raises(ValueError, match='needs a neck'):
        MODELS.build(siam_cfg(neck=False))
    model = MODELS.build(siam_cfg())
    with pytest.raises(ValueError, match='expected 6 input channels'):
        model.extract_feat(torch.zeros(1, 3, 32, 32))


def test_di_encoder_decoder_feeds_both_dates_to_the_backbone():
    model = MODELS.build(
        dict(
            type='DIEncoderDecoder',
            data_preprocessor=PREPROCESSOR,
            backbone=dict(type='FC_Siam_diff', in_channels=3,
                          base_channel=4),
            decode_head=dict(
                type='mmseg.FCNHead', in_channels=4, channels=4,
                num_convs=0, concat_input=False, num_classes=2,
                loss_decode=dict(type='mmseg.CrossEntropyLoss')))).eval()
    seen = []
    model.backbone.register_forward_hook(
        lambda module, args, out: seen.append(args))
    data = batch(count=1)
    with torch.no_grad():
        processed = model.data_preprocessor(data)
        logits = model(processed['inputs'], mode='tensor')
    assert logits.shape == (1, 2, 32, 32)
    (img_from, img_to), = seen
    torch.testing.assert_close(img_from, processed['inputs'][:, :3])
    torch.testing.assert_close(img_to, processed['inputs'][:, 3:])


@pytest.mark.parametrize('policy, expected', [
    ('concat', torch.tensor([1., 3.])),
    ('sum', torch.tensor([4.])),
    ('diff', torch.tensor([2.])),
    ('abs_diff', torch.tensor([2.])),
])
def test_feature_fusion_policies(policy, expected):
    neck = FeatureFusionNeck(policy, out_indices=(1, ))
    x1 = [torch.zeros(1, 1, 1, 1), torch.ones(1, 1, 1, 1)]
    x2 = [torch.zeros(1, 1, 1, 1), torch.full((1, 1, 1, 1), 3.)]
    (out, ) = neck(x1, x2)
    torch.testing.assert_close(out.flatten(), expected)


def test_feature_fusion_rejects_unknown_policy():
    with pytest.raises(ValueError, match='unknown fusion policy'):
        FeatureFusionNeck('mean')
