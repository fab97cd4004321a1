"""CLIPTextContextEncoder: CLIP's text tower with learnable context."""
import pytest
import torch
from open_clip.transformer import QuickGELU, TextTransformer

from changefine_mm.models.backbones import CLIPTextContextEncoder
from changefine_mm.models.utils.clip_tower_loading import read_clip_tower
from conftest import write_tiny_clip


@pytest.fixture(scope='module')
def vit_clip_file(tmp_path_factory):
    """A random tiny CLIP saved as an OpenAI-layout state dict."""
    return write_tiny_clip(
        str(tmp_path_factory.mktemp('clip') / 'tiny_vit.pt'))


def test_text_encoder_is_clips_without_context_and_loads(vit_clip_file):
    plain = CLIPTextContextEncoder(
        context_length=77, token_length=77, transformer_width=64,
        transformer_heads=1, transformer_layers=1, embed_dim=16,
        clip_checkpoint=vit_clip_file).eval()
    plain.init_weights()
    reference = TextTransformer(context_length=77, width=64, heads=1,
                                layers=1, output_dim=16,
                                act_layer=QuickGELU).eval()
    reference.load_state_dict(read_clip_tower(vit_clip_file, 'text'))
    tokens = torch.randint(1, 1000, (2, 3, 77))
    tokens[..., 9] = 49407  # end of text
    tokens[..., 10:] = 0
    torch.testing.assert_close(plain(tokens),
                               reference(tokens.flatten(0, 1)).view(2, 3, 16))
    prompted = CLIPTextContextEncoder(
        context_length=40, token_length=32, transformer_width=64,
        transformer_heads=1, transformer_layers=1, embed_dim=16,
        clip_checkpoint=vit_clip_file)
    prompted.init_weights()
    assert prompted.contexts.shape == (1, 1, 8, 64)
    assert prompted(tokens[..., :32]).shape == (2, 3, 16)
    with pytest.raises(ValueError, match='prompts of 32 tokens'):
        prompted(tokens)


def test_text_encoder_rejects_a_checkpoint_of_other_width(vit_clip_file):
    wider = CLIPTextContextEncoder(
        context_length=40, token_length=32, transformer_width=128,
        transformer_heads=2, transformer_layers=1, embed_dim=16,
        clip_checkpoint=vit_clip_file)
    with pytest.raises(ValueError, match='shape mismatches'):
        wider.init_weights()
    with pytest.raises(ValueError, match='token_length'):
        CLIPTextContextEncoder(context_length=16, token_length=32)
