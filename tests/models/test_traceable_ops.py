"""Export-safe forms of pooling, SAM blocks, attention and up-sampling equal
the PyTorch / SAM / open_clip / mmseg modules they stand in for."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.models.utils import Upsample
from open_clip.transformer import ResidualAttentionBlock
from torch import nn

from changefine_mm.models.utils.sam_loading import (SAMEncoderArch,
                                                    load_sam_image_encoder)
from changefine_mm.models.utils.scale_upsample import ScaleUpsample
from changefine_mm.models.utils.traceable_attention import (
    clip_residual_block, multihead_attention)
from changefine_mm.models.utils.traceable_pooling import adaptive_avg_pool2d
from changefine_mm.models.utils.traceable_sam_block import \
    traceable_sam_block


@pytest.mark.parametrize('height,width', [(8, 8), (2, 2), (5, 7), (16, 9)])
def test_adaptive_avg_pool2d_matches_torch(height, width):
    x = torch.randn(2, 3, height, width)
    for bins in (1, 2, 3, 6):  # bins that overlap, and more bins than rows
        torch.testing.assert_close(adaptive_avg_pool2d(x, bins),
                                   F.adaptive_avg_pool2d(x, bins),
                                   atol=1e-6, rtol=1e-6)


def test_traceable_sam_block_equals_sam_block():
    torch.manual_seed(0)
    encoder = load_sam_image_encoder(
        None, SAMEncoderArch(img_size=64, embed_dim=32, depth=2,
                             num_heads=2, global_attn_indexes=(1, ),
                             window_size=3, out_chans=16),
        config_key='sam_checkpoint')
    for block in encoder.blocks:
        if block.attn.use_rel_pos:
            nn.init.normal_(block.attn.rel_pos_h)
            nn.init.normal_(block.attn.rel_pos_w)
    assert [b.window_size for b in encoder.blocks] == [3, 0]
    # 3x3 and 6x6 need no window padding, 4x5 and 2x7 do; the global
    # block's 7-row table (4x4 grid) is resized except at 4x4.
    for grid in ((3, 3), (6, 6), (4, 5), (2, 7), (4, 4)):
        x = torch.randn(2, *grid, 32)
        for block in encoder.blocks:
            assert torch.equal(traceable_sam_block(block, x), block(x))


@pytest.mark.parametrize('batch_first', [True, False])
def test_multihead_attention_equals_module(batch_first):
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(16, 4, batch_first=batch_first).eval()
    query, key = torch.randn(2, 5, 16), torch.randn(2, 7, 16)
    if not batch_first:
        query, key = query.transpose(0, 1), key.transpose(0, 1)
    expected = mha(query, key, key, need_weights=False)[0]
    torch.testing.assert_close(multihead_attention(mha, query, key, key),
                               expected, atol=1e-6, rtol=1e-5)


def test_multihead_attention_refuses_unsupported_module():
    mha = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    x = torch.randn(5, 2, 16)
    with pytest.raises(ValueError, match='no bias_k/bias_v'):
        multihead_attention(mha, x, x, x)


def test_clip_residual_block_equals_open_clip_block():
    torch.manual_seed(0)
    block = ResidualAttentionBlock(16, 2).eval()
    x = torch.randn(2, 9, 16)
    torch.testing.assert_close(clip_residual_block(block, x), block(x),
                               atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('factor', [2, 4])
def test_scale_upsample_equals_mmseg_upsample(factor):
    x = torch.randn(1, 3, 5, 7)
    for mode, align in (('bilinear', False), ('bilinear', True),
                        ('nearest', None)):
        ours = ScaleUpsample(factor, mode=mode, align_corners=align)(x)
        assert ours.shape[2:] == (5 * factor, 7 * factor)
        assert torch.equal(
            ours, Upsample(scale_factor=factor, mode=mode,
                           align_corners=align)(x))


def test_scale_upsample_refuses_fractional_factor():
    with pytest.raises(ValueError, match='positive integer scale_factor'):
        ScaleUpsample(1.5)
