"""SegChange-R1's official mode against the official code.

``data/segchange_r1.npz`` holds, from ``make_reference.py`` run on
github.com/Yu-Zhouz/SegChange-R1: a tiny BERT (weights, config,
vocabulary), three prompt batches with the official ``build_embs``
embeddings (zero-padded to ``seq_len=8``, cut to 8, and zeros for an empty
first prompt), the official necks' and ``MaskHead``'s weights (official
names), inputs and outputs. Our modules in their official settings, given
those weights through the official-name converters, must reproduce them.
"""
import json
import os.path as osp

import pytest
import torch

from changefine_mm.registry import MODELS
from conftest import read_exact_reference
from projects.segchange_r1.segchange_r1 import (
    BEVLinearAttention, FeatureDiffModule, FPNFeatureFuser, HFTextEncoder,
    LightweightFPN, TextConditionedMaskHead, convert_official_bev,
    convert_official_difference, convert_official_mask_head,
    convert_official_neck, convert_official_state_dict)
from projects.segchange_r1.tests.tiny_bert import write_tiny_bert

pytestmark = pytest.mark.usefixtures('one_torch_thread')

DATA = osp.join(osp.dirname(osp.abspath(__file__)), 'data',
                'segchange_r1.npz')
CASES = ('short', 'long', 'empty')


@pytest.fixture(scope='module')
def reference():
    return read_exact_reference(DATA)


def part(weights: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in weights.items()
            if k.startswith(prefix)}


def scales(arrays, date: str = ''):
    return [torch.from_numpy(arrays[f'scale{date}{i}']).float() / 4
            for i in range(4)]


@pytest.fixture(scope='module')
def bert_folder(reference, tmp_path_factory):
    """The reference's tiny BERT, written with save_pretrained."""
    pytest.importorskip('transformers')
    weights, arrays = reference
    return write_tiny_bert(str(tmp_path_factory.mktemp('tiny_bert')),
                           json.loads(str(arrays['bert_config'])),
                           list(arrays['vocab']), part(weights, 'bert/'))


@pytest.mark.parametrize('case', CASES)
def test_official_text_path_gives_the_official_embeddings(
        reference, bert_folder, case):
    _, arrays = reference
    encoder = HFTextEncoder(bert_folder, seq_len=8, zero_if_first_empty=True)
    with torch.no_grad():
        text, mask = encoder(list(arrays[f'prompts_{case}']))
    torch.testing.assert_close(
        text, torch.from_numpy(arrays[f'embs_{case}']), atol=1e-5, rtol=0)
    assert mask.shape == (2, 8)
    assert mask.any() == (case != 'empty')


def test_seq_len_and_empty_prompt_are_optional(bert_folder):
    encoder = HFTextEncoder(bert_folder)
    text, mask = encoder(['', 'new roads'])
    assert text.shape[1] == mask.shape[1] == 4  # [CLS] new roads [SEP]
    assert text[0].abs().sum() > 0
    with pytest.raises(ValueError, match='seq_len'):
        HFTextEncoder(bert_folder, zero_if_first_empty=True)


@pytest.mark.parametrize('name,neck', [('lfpn', LightweightFPN),
                                       ('fpn', FPNFeatureFuser)])
def test_official_neck_gives_the_official_fused_map(reference, name, neck):
    weights, arrays = reference
    module = neck([32] * 4, channels=32, conv_bias=True).eval()
    module.load_state_dict(convert_official_neck(part(weights, name + '/')))
    with torch.no_grad():
        fused, = module(scales(arrays))
    torch.testing.assert_close(
        fused, torch.from_numpy(arrays[f'{name}_out']), atol=1e-5, rtol=0)


def official_head() -> TextConditionedMaskHead:
    return TextConditionedMaskHead(
        text_channels=16, in_channels=128, channels=32, num_queries=5,
        num_heads=8, num_decoder_layers=2, feedforward_channels=2048,
        projector_mode='official', conv_bias=True, num_classes=2,
        out_channels=1, threshold=0.5, dropout_ratio=0.0,
        norm_cfg=dict(type='GN', num_groups=32),
        loss_decode=dict(type='BinaryDiceLoss')).eval()


@pytest.mark.parametrize('case', CASES)
def test_official_text_path_and_mask_head_give_the_official_logits(
        reference, bert_folder, case):
    weights, arrays = reference
    encoder = HFTextEncoder(bert_folder, seq_len=8, zero_if_first_empty=True)
    head = official_head()
    head.load_state_dict(convert_official_mask_head(part(weights, 'head/')))
    fused = torch.from_numpy(arrays['fused']).float() / 4
    with torch.no_grad():
        # The official projector averages all seq_len tokens, padding too.
        text = encoder(list(arrays[f'prompts_{case}']))
        logits = head.forward(([fused], text))
    # Float rounding leaves ~1e-6; e.g. the masked projector mean, or the
    # conv biases dropped, moves the logits by far more.
    torch.testing.assert_close(
        logits, torch.from_numpy(arrays[f'logits_{case}']), atol=1e-5,
        rtol=0)


def test_official_bev_converter_gives_the_official_map(reference):
    weights, arrays = reference
    bev = BEVLinearAttention(32, 32, num_heads=8, head_channels=64,
                             mode='official').eval()
    bev.load_state_dict(convert_official_bev(part(weights, 'bev/')))
    with torch.no_grad():
        out = bev(scales(arrays)[0])
    torch.testing.assert_close(out, torch.from_numpy(arrays['bev_out']),
                               atol=1e-5, rtol=0)


def test_official_difference_module_gives_the_official_maps(reference):
    weights, arrays = reference
    diff = FeatureDiffModule([32] * 4, attention='CBAM', ratio=16,
                             cbam_mode='official').eval()
    diff.load_state_dict(
        convert_official_difference(part(weights, 'diff/')))
    with torch.no_grad():
        outs = diff(scales(arrays), scales(arrays, '_b'))
    for i, out in enumerate(outs):
        torch.testing.assert_close(
            out, torch.from_numpy(arrays[f'diff_out{i}']), atol=1e-5,
            rtol=0)


def test_official_losses_give_the_official_total(reference):
    """The official configs' four losses (mode='official' focal) summed
    by the head equal the official TotalLoss."""
    from mmengine.config import Config
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from projects.segchange_r1.tests.test_official_configs import (
        CONFIGS, OFFICIAL)
    _, arrays = reference
    losses = Config.fromfile(osp.join(
        CONFIGS, OFFICIAL[0])).model.decode_head.loss_decode
    head = official_head()
    head.loss_decode = torch.nn.ModuleList(
        MODELS.build(cfg) for cfg in losses)
    logits = torch.from_numpy(arrays['loss_logits']).float() / 8
    samples = []
    for label in torch.from_numpy(arrays['loss_labels']).long():
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    parts = head.loss_by_feat(logits, samples)
    total = sum(v.reshape(()) for k, v in parts.items() if 'loss' in k)
    torch.testing.assert_close(
        total, torch.from_numpy(arrays['loss_total']), atol=1e-5, rtol=0)


def test_whole_official_state_dict_is_renamed_by_part(reference):
    weights, _ = reference
    official = {'dual_encoder.encoder.backbone.patch_embed.proj.weight':
                torch.zeros(1),
                'dual_encoder.conv_list.0.weight': torch.ones(2, 3, 1, 1)}
    for ours, theirs in (('bev/', 'dual_encoder.bev.1.'),
                         ('diff/', 'feature_diff.'), ('lfpn/', 'fpn.'),
                         ('head/', 'mask_head.')):
        official.update({theirs + k: v for k, v in part(weights, ours)
                         .items()})
    converted, encoder = convert_official_state_dict(official)
    assert list(encoder) == [
        'dual_encoder.encoder.backbone.patch_embed.proj.weight']
    assert converted['backbone.lateral_convs.0.weight'].shape == (2, 3, 1, 1)
    expected = {
        'backbone.bev.1.': convert_official_bev(part(weights, 'bev/')),
        'difference_module.': convert_official_difference(
            part(weights, 'diff/')),
        'neck.': convert_official_neck(part(weights, 'lfpn/')),
        'decode_head.': convert_official_mask_head(part(weights, 'head/')),
    }
    for prefix, values in expected.items():
        for key, value in values.items():
            assert torch.equal(converted[prefix + key], value)
    assert len(converted) == 1 + sum(len(v) for v in expected.values())
    with pytest.raises(ValueError, match='unknown'):
        convert_official_state_dict({'text_encoder.x': torch.zeros(1)})
