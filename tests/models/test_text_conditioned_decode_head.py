"""TextConditionedDecodeHead: a U-shaped decoder reading both prompts."""
import pytest
import torch

from changefine_mm.models.decode_heads import TextConditionedDecodeHead

BLOCK = dict(type='SwinBlock', num_heads=2, feedforward_channels=32)


def test_head_shapes_and_stage_count():
    head = TextConditionedDecodeHead(
        stage_blocks=[[BLOCK]] * 3, text_dim=24, norm_groups=4,
        in_channels=[16] * 4, in_index=[0, 1, 2, 3], channels=16,
        num_classes=2)
    feats = [torch.randn(2, 16, s, s) for s in (16, 8, 4, 2)]
    text = torch.randn(2, 2, 24)
    assert head((feats, text, text)).shape == (2, 2, 16, 16)
    with pytest.raises(ValueError, match='4 inputs need 3 stages'):
        TextConditionedDecodeHead(
            stage_blocks=[[BLOCK]] * 2, in_channels=[16] * 4,
            in_index=[0, 1, 2, 3], channels=16, num_classes=2)


def test_head_reads_the_prompts_of_both_dates():
    torch.manual_seed(0)
    head = TextConditionedDecodeHead(
        stage_blocks=[[BLOCK]], text_dim=8, norm_groups=4,
        in_channels=[16] * 2, in_index=[0, 1], channels=16,
        num_classes=2).eval()
    feats = [torch.randn(1, 16, 8, 8), torch.randn(1, 16, 4, 4)]
    text_a, text_b = torch.randn(2, 1, 2, 8)
    out = head((feats, text_a, text_b))
    assert not torch.allclose(out, head((feats, text_a, text_a)))
    with pytest.raises(ValueError, match='channels=16'):
        TextConditionedDecodeHead(
            stage_blocks=[[BLOCK]], in_channels=[16, 32], in_index=[0, 1],
            channels=16, num_classes=2)
