"""ContextDecoder: DenseCLIP's text refinement by the visual context."""
import torch

from changefine_mm.models.backbones import ContextDecoder


def test_context_decoder_shapes():
    decoder = ContextDecoder(transformer_width=16, transformer_heads=2,
                             transformer_layers=2, visual_dim=24)
    assert decoder(torch.randn(2, 2, 24), torch.randn(2, 17, 24)).shape == \
        (2, 2, 24)


def test_context_decoder_has_denseclips_parameters_and_init():
    decoder = ContextDecoder(transformer_width=16, transformer_heads=2,
                             transformer_layers=1, visual_dim=24)
    names = set(decoder.state_dict())
    # Official names; q/k/v projections without bias as in DenseCLIP.
    assert {'memory_proj.0.weight', 'text_proj.1.weight',
            'decoder.0.self_attn.q_proj.weight',
            'decoder.0.cross_attn.proj.bias', 'decoder.0.mlp.3.weight',
            'out_proj.1.weight'} <= names
    assert 'decoder.0.self_attn.q_proj.bias' not in names
    assert torch.equal(decoder.out_proj[1].bias, torch.zeros(24))
    assert torch.equal(decoder.memory_proj[2].weight, torch.ones(16))
    # Linear weights: trunc-normal with std 0.02.
    assert 0.015 < decoder.decoder[0].mlp[0].weight.std() < 0.025
