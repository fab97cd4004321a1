"""DualInputVisualEncoder (tiny timm models) and the prompt encoders."""
import importlib.util
import os
import os.path as osp

import pytest
import timm
import torch
from safetensors.torch import save_file

from changefine_mm.models.utils.clip_loading import CLIPArch, build_clip
from projects.segchange_r1.segchange_r1 import (CLIPTextEncoder,
                                                DualInputVisualEncoder,
                                                HFTextEncoder)

pytestmark = pytest.mark.usefixtures('one_torch_thread')

TINY_SWIN = dict(embed_dim=16, depths=(1, 1, 1, 1), num_heads=(1, 1, 2, 2),
                 img_size=64, strict_img_size=False)
TINY_R50 = dict(layers=(1, 1, 1, 1), channels=(8, 16, 32, 64), stem_width=8)
BEV = dict(type='BEVLinearAttention', num_heads=2, head_channels=8)


@pytest.mark.parametrize('name,indices,kwargs', [
    ('swin_base_patch4_window7_224', (0, 1, 2, 3), TINY_SWIN),
    ('resnet50', (1, 2, 3, 4), TINY_R50),
])
def test_dual_encoder_shapes(name, indices, kwargs):
    encoder = DualInputVisualEncoder(name, indices, (8, 8, 8, 8), bev=BEV,
                                     timm_kwargs=kwargs)
    feats_a, feats_b = encoder(torch.randn(1, 3, 64, 64),
                               torch.randn(1, 3, 64, 64))
    sizes = [(1, 8, 64 // s, 64 // s) for s in (4, 8, 16, 32)]
    assert [f.shape for f in feats_a] == sizes
    assert [f.shape for f in feats_b] == sizes


def test_dual_encoder_transformer_bev_and_errors():
    encoder = DualInputVisualEncoder(
        'resnet50', (3, 4), (8, 8),
        bev=dict(type='BEVTransformer', num_heads=2,
                 feedforward_channels=16),
        timm_kwargs=TINY_R50)
    feats_a, _ = encoder(torch.randn(1, 3, 64, 64), torch.randn(1, 3, 64, 64))
    assert [f.shape[1:] for f in feats_a] == [(8, 4, 4), (8, 2, 2)]
    with pytest.raises(ValueError, match='same length'):
        DualInputVisualEncoder('resnet50', (1, 2), (8, ),
                               timm_kwargs=TINY_R50)
    with pytest.raises(ValueError, match='out of range'):
        DualInputVisualEncoder('resnet50', (1, 7), (8, 8),
                               timm_kwargs=TINY_R50)


@pytest.mark.parametrize('suffix', ['.pth', '.safetensors'])
def test_dual_encoder_loads_local_timm_weights(tmp_path, suffix):
    source = timm.create_model('resnet50', pretrained=False, **TINY_R50)
    path = str(tmp_path / f'resnet50{suffix}')
    state = {k: v.contiguous() for k, v in source.state_dict().items()}
    if suffix == '.pth':
        torch.save(state, path)
    else:
        save_file(state, path)
    encoder = DualInputVisualEncoder('resnet50', (1, 2, 3, 4), (8, ) * 4,
                                     bev=BEV, checkpoint=path,
                                     timm_kwargs=TINY_R50)
    assert torch.equal(encoder.encoder.conv1.weight, source.conv1.weight)
    assert torch.equal(encoder.encoder.layer4[0].conv3.weight,
                       source.layer4[0].conv3.weight)
    # A file of another architecture is refused with the reason.
    torch.save({'conv1.weight': torch.zeros(1)}, str(tmp_path / 'bad.pth'))
    with pytest.raises(ValueError, match='does not fit ResNet: missing'):
        DualInputVisualEncoder('resnet50', (1, 2, 3, 4), (8, ) * 4,
                               checkpoint=str(tmp_path / 'bad.pth'),
                               timm_kwargs=TINY_R50)


TINY_CLIP = CLIPArch(embed_dim=24, vision_layers=1, vision_width=64,
                     vision_patch_size=16, image_size=32, context_length=16,
                     text_width=32, text_layers=1)


def test_clip_text_encoder_random_tiny_shapes():
    encoder = CLIPTextEncoder(embed_dim=24, context_length=16, width=32,
                              heads=2, layers=1)
    text, mask = encoder(['buildings', 'new roads and houses'])
    assert text.shape == (2, 1, 24) and mask is None
    assert encoder.embed_dim == 24
    assert not any(p.requires_grad for p in encoder.parameters())
    encoder.train()
    assert not encoder.tower.training
    tokens = CLIPTextEncoder(output='tokens', embed_dim=24, context_length=16,
                             width=32, heads=2, layers=1)
    text, mask = tokens(['buildings', 'new roads and houses'])
    assert text.shape == (2, 16, 32) and mask.shape == (2, 16)
    # start, one word, end / start, four words, end
    assert mask.sum(1).tolist() == [3, 6]
    with pytest.raises(ValueError, match='output'):
        CLIPTextEncoder(output='cls')


def test_clip_text_encoder_loads_a_clip_checkpoint(tmp_path):
    torch.manual_seed(0)
    clip = build_clip(TINY_CLIP)
    path = str(tmp_path / 'tiny_clip.pt')
    torch.save(clip.state_dict(), path)
    encoder = CLIPTextEncoder(checkpoint=path)
    prompts = ['buildings with changes', 'a new road']
    text, _ = encoder(prompts)
    expected = clip.encode_text(encoder.tokenizer(prompts))
    assert text.shape == (2, 1, 24)
    assert torch.allclose(text[:, 0], expected, atol=1e-5)


def _tiny_bert(folder: str) -> None:
    from transformers import BertConfig, BertModel, BertTokenizer
    vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'buildings',
             'with', 'changes', 'new', 'road']
    os.makedirs(folder)
    vocab_file = osp.join(folder, 'vocab.txt')
    with open(vocab_file, 'w') as f:
        f.write('\n'.join(vocab) + '\n')
    BertTokenizer(vocab_file).save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16,
                        num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)


@pytest.mark.skipif(importlib.util.find_spec('transformers') is None,
                    reason='transformers is not installed (optional)')
def test_hf_text_encoder_with_a_local_tiny_bert(tmp_path):
    from transformers import BertModel
    folder = str(tmp_path / 'tiny_bert')
    _tiny_bert(folder)
    encoder = HFTextEncoder(folder)
    text, mask = encoder(['buildings with changes', 'new road'])
    assert text.shape == (2, 5, 16) and encoder.embed_dim == 16
    assert mask.sum(1).tolist() == [5, 4]
    reference = BertModel.from_pretrained(folder).eval()
    ids = encoder.tokenizer(['new road'], return_tensors='pt')['input_ids']
    assert torch.allclose(text[1:, :4], reference(ids).last_hidden_state,
                          atol=1e-5)
    with pytest.raises(FileNotFoundError, match='nothing is downloaded'):
        HFTextEncoder(str(tmp_path / 'missing'))
