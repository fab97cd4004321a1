"""Shapes and behaviour of the SegChange-R1 modules (tiny sizes, CPU)."""
import pytest
import torch

from projects.segchange_r1.segchange_r1 import (
    BEVLinearAttention, BEVTransformer, CBAM, DProjector,
    EdgeGaussianAggregation, FeatureDiffModule, FPNFeatureFuser,
    LightweightFPN, TextConditionedMaskHead)
from projects.segchange_r1.segchange_r1.edge_gaussian_aggregation import \
    gaussian_kernel

pytestmark = pytest.mark.usefixtures('one_torch_thread')

torch.manual_seed(0)


@pytest.mark.parametrize('mode', ['official', 'linear'])
def test_bev_linear_attention_shapes(mode):
    bev = BEVLinearAttention(16, 24, num_heads=2, head_channels=8, mode=mode)
    out = bev(torch.randn(2, 16, 5, 7))
    assert out.shape == (2, 24, 5, 7)


def test_bev_linear_attention_official_matches_reference():
    """Official mode: shared 8-channel projection, keys soft-maxed over
    their feature axis (the released LinearAttention)."""
    bev = BEVLinearAttention(6, 6, num_heads=2, head_channels=4,
                             mode='official')
    tokens = torch.randn(1, 5, 6)
    q, k, v = bev.to_qkv(tokens).chunk(3, dim=-1)
    heads = [slice(0, 2), slice(2, 4)]
    outs = []
    for h in heads:
        kh = k[..., h].softmax(dim=-1)
        context = kh.transpose(1, 2) @ v[..., h]
        outs.append((q[..., h] * 4**-0.5) @ context)
    expected = bev.to_out(torch.cat(outs, dim=-1))
    assert torch.allclose(bev.mix(tokens), expected, atol=1e-6)


def test_bev_linear_mode_outputs_convex_mix():
    """Linear mode: with identity value/output maps, every token is a
    convex combination of the inputs, so it stays inside their range."""
    bev = BEVLinearAttention(4, 4, num_heads=1, head_channels=4,
                             mode='linear')
    with torch.no_grad():
        bev.to_qkv.weight[8:] = torch.eye(4)
        bev.to_out.weight.copy_(torch.eye(4))
        bev.to_out.bias.zero_()
    tokens = torch.rand(1, 9, 4)
    out = bev.mix(tokens)
    assert (out <= tokens.amax(1, keepdim=True) + 1e-6).all()
    assert (out >= tokens.amin(1, keepdim=True) - 1e-6).all()


def test_bev_errors():
    with pytest.raises(ValueError, match='mode'):
        BEVLinearAttention(8, 8, mode='paper')
    with pytest.raises(ValueError, match='divisible'):
        BEVLinearAttention(8, 8, num_heads=3, head_channels=8)


def test_bev_transformer_shape():
    bev = BEVTransformer(8, 12, num_heads=2, feedforward_channels=16)
    assert bev(torch.randn(2, 8, 3, 4)).shape == (2, 12, 3, 4)


@pytest.mark.parametrize('mode', ['official', 'paper'])
def test_cbam_shapes_and_gating(mode):
    cbam = CBAM(8, ratio=4, mode=mode).eval()
    x = torch.rand(2, 8, 6, 6)
    out = cbam(x)
    assert out.shape == x.shape
    # Both gates are sigmoids: the output is a damped copy of the input.
    assert (out.abs() <= x.abs() + 1e-6).all()


@pytest.mark.parametrize('attention', ['SE', 'CBAM'])
def test_feature_diff_module(attention):
    module = FeatureDiffModule((8, 16), attention=attention, ratio=4)
    feats_a = [torch.randn(2, 8, 8, 8), torch.randn(2, 16, 4, 4)]
    feats_b = [torch.randn(2, 8, 8, 8), torch.randn(2, 16, 4, 4)]
    out = module(feats_a, feats_b)
    assert [o.shape for o in out] == [f.shape for f in feats_a]
    with pytest.raises(ValueError, match='expected 2 scales'):
        module(feats_a[:1], feats_b[:1])
    with pytest.raises(ValueError, match='attention'):
        FeatureDiffModule((8, ), attention='ECA')


def test_gaussian_kernel_and_ega():
    kernel = gaussian_kernel(3, 1.0)
    assert torch.isclose(kernel.sum(), torch.tensor(1.0))
    assert kernel[1, 1] == kernel.max() and torch.equal(kernel, kernel.t())
    with pytest.raises(ValueError, match='odd'):
        gaussian_kernel(4, 1.0)
    ega = EdgeGaussianAggregation(4).eval()
    # A flat map has no edges: the Scharr filters give zero inside.
    flat = torch.ones(1, 4, 6, 6)
    assert ega.scharr_x(flat)[..., 1:-1, 1:-1].abs().max() == 0
    assert ega(torch.randn(2, 4, 8, 8)).shape == (2, 4, 8, 8)


@pytest.mark.parametrize('neck_type', [FPNFeatureFuser, LightweightFPN])
@pytest.mark.parametrize('use_ega', [True, False])
def test_fpn_brings_scales_to_input_size(neck_type, use_ega):
    neck = neck_type((4, 8, 8, 16), channels=8, use_ega=use_ega,
                     norm_cfg=dict(type='GN', num_groups=4))
    # A 72x72 input: not a multiple of 32, the coarsest scale is rounded.
    feats = [torch.randn(1, c, s, s) for c, s in zip((4, 8, 8, 16),
                                                     (18, 9, 5, 3))]
    (fused, ) = neck(feats)
    assert fused.shape == (1, 8, 72, 72)
    with pytest.raises(ValueError, match='same length'):
        neck_type((4, 8), channels=8, feature_strides=(4, ))


def test_lightweight_fpn_fusion_is_a_bare_conv():
    light = LightweightFPN((4, 4), channels=8, feature_strides=(4, 8),
                           norm_cfg=dict(type='GN', num_groups=4))
    full = FPNFeatureFuser((4, 4), channels=8, feature_strides=(4, 8),
                           norm_cfg=dict(type='GN', num_groups=4))
    assert isinstance(light.fusion, torch.nn.Conv2d)
    assert not isinstance(full.fusion, torch.nn.Conv2d)


def test_d_projector_masked_mode_ignores_padding():
    torch.manual_seed(1)
    text = torch.randn(1, 3, 12)
    padded = torch.cat([text, torch.randn(1, 2, 12)], dim=1)
    mask = torch.tensor([[True] * 3 + [False] * 2])
    visual = torch.randn(1, 8, 4, 4)
    masked = DProjector(8, 12, num_heads=2, mode='masked').eval()
    official = DProjector(8, 12, num_heads=2, mode='official').eval()
    official.load_state_dict(masked.state_dict())
    reference = masked(text, None, visual)
    assert reference.shape == (1, 8)
    assert torch.allclose(masked(padded, mask, visual), reference, atol=1e-6)
    assert not torch.allclose(official(padded, mask, visual), reference,
                              atol=1e-4)
    same_width = DProjector(8, 8, num_heads=2)
    assert isinstance(same_width.text_to_visual, torch.nn.Identity)


def test_mask_head_shapes_and_text_dependence():
    head = TextConditionedMaskHead(
        text_channels=12, num_heads=2, feedforward_channels=16,
        in_channels=16, channels=4, num_classes=2, out_channels=1,
        threshold=0.5, dropout_ratio=0.0, decoder_dropout=0.0,
        norm_cfg=dict(type='GN', num_groups=2)).eval()
    fused = [torch.randn(2, 16, 8, 8)]
    text = torch.randn(2, 3, 12)
    logits = head((fused, (text, None)))
    assert logits.shape == (2, 1, 8, 8)
    other = head((fused, (torch.randn(2, 3, 12), None)))
    assert not torch.allclose(logits, other)
