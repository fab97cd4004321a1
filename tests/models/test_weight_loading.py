"""CLIP and SAM weight loading from local files in the real key layouts.

The checkpoints are written here, key by key, from the layouts of OpenAI's
CLIP release files and Meta's SAM files (spec changefine.md section 5), at
tiny dimensions; the loaded models are compared with references built by
open_clip's / segment-anything's own code from the same tensors.
"""
import pickle
import zipfile
from functools import partial
from typing import Dict

import pytest
import torch
import torch.nn as nn
from open_clip.model import build_model_from_openai_state_dict
from segment_anything.modeling import ImageEncoderViT

from changefine_mm.models.utils.clip_loading import CLIPArch, load_clip
from changefine_mm.models.utils.sam_loading import (SAMEncoderArch,
                                                    load_sam_image_encoder)
from changefine_mm.models.utils.torchscript_weights import (
    is_torchscript_archive, read_torchscript_tensors)

VIT_ARCH = CLIPArch(embed_dim=32, vision_layers=2, vision_width=64,
                    vision_patch_size=16, image_size=64, context_length=16,
                    vocab_size=500, text_width=64, text_layers=2)
RN_ARCH = CLIPArch(embed_dim=32, vision_layers=(1, 1, 1, 1), vision_width=8,
                   vision_patch_size=None, image_size=64, context_length=16,
                   vocab_size=500, text_width=64, text_layers=1)
SAM_ARCH = SAMEncoderArch(img_size=128, embed_dim=32, depth=4, num_heads=2,
                          global_attn_indexes=(1, 3), window_size=4,
                          out_chans=16)


def _rand(gen: torch.Generator, *shape: int) -> torch.Tensor:
    # Values exact in half precision, so that references which convert
    # weights to float16 (as OpenAI's build does) lose nothing.
    return (torch.randn(*shape, generator=gen) * 0.05).half().float()


def _ln(sd: dict, gen: torch.Generator, name: str, width: int) -> None:
    sd[f'{name}.weight'] = 1 + _rand(gen, width)
    sd[f'{name}.bias'] = _rand(gen, width)


def _resblocks(sd: dict, gen: torch.Generator, prefix: str, width: int,
               layers: int) -> None:
    for i in range(layers):
        p = f'{prefix}transformer.resblocks.{i}.'
        sd[p + 'attn.in_proj_weight'] = _rand(gen, 3 * width, width)
        sd[p + 'attn.in_proj_bias'] = _rand(gen, 3 * width)
        sd[p + 'attn.out_proj.weight'] = _rand(gen, width, width)
        sd[p + 'attn.out_proj.bias'] = _rand(gen, width)
        _ln(sd, gen, p + 'ln_1', width)
        sd[p + 'mlp.c_fc.weight'] = _rand(gen, 4 * width, width)
        sd[p + 'mlp.c_fc.bias'] = _rand(gen, 4 * width)
        sd[p + 'mlp.c_proj.weight'] = _rand(gen, width, 4 * width)
        sd[p + 'mlp.c_proj.bias'] = _rand(gen, width)
        _ln(sd, gen, p + 'ln_2', width)


def _text_tower(sd: dict, gen: torch.Generator, arch: CLIPArch) -> None:
    width = arch.text_width
    sd['token_embedding.weight'] = _rand(gen, arch.vocab_size, width)
    sd['positional_embedding'] = _rand(gen, arch.context_length, width)
    _resblocks(sd, gen, '', width, arch.text_layers)
    _ln(sd, gen, 'ln_final', width)
    sd['text_projection'] = _rand(gen, width, arch.embed_dim)
    sd['logit_scale'] = torch.tensor(4.6052)


def openai_vit_state_dict(arch: CLIPArch, seed: int = 0) -> dict:
    """OpenAI ViT CLIP keys (``visual.conv1.weight``, ...), half precision
    for the matrices as in OpenAI's files."""
    gen = torch.Generator().manual_seed(seed)
    width, patch = arch.vision_width, arch.vision_patch_size
    grid = arch.image_size // patch
    sd = {
        'visual.conv1.weight': _rand(gen, width, 3, patch, patch),
        'visual.class_embedding': _rand(gen, width),
        'visual.positional_embedding': _rand(gen, grid * grid + 1, width),
    }
    _ln(sd, gen, 'visual.ln_pre', width)
    _resblocks(sd, gen, 'visual.', width, arch.vision_layers)
    _ln(sd, gen, 'visual.ln_post', width)
    sd['visual.proj'] = _rand(gen, width, arch.embed_dim)
    _text_tower(sd, gen, arch)
    return {k: v.half() if v.dim() == 2 else v for k, v in sd.items()}


def _bn(sd: dict, gen: torch.Generator, name: str, width: int) -> None:
    _ln(sd, gen, name, width)
    sd[f'{name}.running_mean'] = _rand(gen, width)
    sd[f'{name}.running_var'] = 1 + _rand(gen, width).abs()
    sd[f'{name}.num_batches_tracked'] = torch.tensor(0)


def openai_resnet_state_dict(arch: CLIPArch, seed: int = 0) -> dict:
    """OpenAI modified-ResNet CLIP keys (``visual.layer1.0.conv1.weight``,
    ``visual.attnpool.*``, ...)."""
    gen = torch.Generator().manual_seed(seed)
    width = arch.vision_width
    sd = {}
    stems = [(3, width // 2), (width // 2, width // 2), (width // 2, width)]
    for i, (cin, cout) in enumerate(stems, 1):
        sd[f'visual.conv{i}.weight'] = _rand(gen, cout, cin, 3, 3)
        _bn(sd, gen, f'visual.bn{i}', cout)
    inplanes = width
    for stage, blocks in enumerate(arch.vision_layers, 1):
        planes = width * 2**(stage - 1)
        for b in range(blocks):
            p = f'visual.layer{stage}.{b}.'
            sd[p + 'conv1.weight'] = _rand(gen, planes, inplanes, 1, 1)
            _bn(sd, gen, p + 'bn1', planes)
            sd[p + 'conv2.weight'] = _rand(gen, planes, planes, 3, 3)
            _bn(sd, gen, p + 'bn2', planes)
            sd[p + 'conv3.weight'] = _rand(gen, planes * 4, planes, 1, 1)
            _bn(sd, gen, p + 'bn3', planes * 4)
            if b == 0:
                sd[p + 'downsample.0.weight'] = _rand(gen, planes * 4,
                                                      inplanes, 1, 1)
                _bn(sd, gen, p + 'downsample.1', planes * 4)
            inplanes = planes * 4
    dim, grid = width * 32, arch.image_size // 32
    sd['visual.attnpool.positional_embedding'] = _rand(gen, grid**2 + 1, dim)
    for proj in ('q_proj', 'k_proj', 'v_proj'):
        sd[f'visual.attnpool.{proj}.weight'] = _rand(gen, dim, dim)
        sd[f'visual.attnpool.{proj}.bias'] = _rand(gen, dim)
    sd['visual.attnpool.c_proj.weight'] = _rand(gen, arch.embed_dim, dim)
    sd['visual.attnpool.c_proj.bias'] = _rand(gen, arch.embed_dim)
    _text_tower(sd, gen, arch)
    return sd


class _Holder(nn.Module):

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def save_torchscript_archive(state_dict: dict, path: str) -> None:
    """A TorchScript archive whose module tree holds ``state_dict`` (plus
    OpenAI's metadata tensors and a non-persistent attention mask)."""
    tensors = dict(state_dict, input_resolution=torch.tensor(224),
                   context_length=torch.tensor(77),
                   vocab_size=torch.tensor(49408))
    tensors['transformer.resblocks.0.attn_mask'] = torch.ones(3, 3)
    root = _Holder()
    for key, value in tensors.items():
        *parents, leaf = key.split('.')
        module = root
        for name in parents:
            if name not in module._modules:
                module.add_module(name, _Holder())
            module = module._modules[name]
        module.register_buffer(leaf, value)
    torch.jit.save(torch.jit.trace(root, torch.zeros(1)), path)


def _reference(state_dict: dict) -> nn.Module:
    model = build_model_from_openai_state_dict(dict(state_dict),
                                               cast_dtype=None)
    return model.float().eval()


def _assert_same_clip(model: nn.Module, reference: nn.Module,
                      arch: CLIPArch) -> None:
    gen = torch.Generator().manual_seed(1)
    image = torch.randn(2, 3, arch.image_size, arch.image_size,
                        generator=gen)
    text = torch.randint(1, arch.vocab_size - 1, (2, arch.context_length),
                         generator=gen)
    text[:, 5] = arch.vocab_size - 1  # end-of-text: the largest token id
    with torch.no_grad():
        torch.testing.assert_close(model.encode_image(image),
                                   reference.encode_image(image))
        torch.testing.assert_close(model.encode_text(text),
                                   reference.encode_text(text))


@pytest.mark.parametrize('arch,make', [(VIT_ARCH, openai_vit_state_dict),
                                       (RN_ARCH, openai_resnet_state_dict)])
def test_clip_from_openai_state_dict(tmp_path, arch, make):
    state_dict = make(arch)
    path = str(tmp_path / 'clip.pt')
    torch.save(state_dict, path)
    model = load_clip(path)
    loaded = model.state_dict()
    for key, value in state_dict.items():
        if key != 'logit_scale':
            torch.testing.assert_close(loaded[key], value.to(loaded[key]))
    _assert_same_clip(model, _reference(state_dict), arch)
    assert load_clip(path, arch=arch) is not None


@pytest.mark.filterwarnings('ignore::FutureWarning')  # torch.jit is deprecated
def test_clip_from_torchscript_archive(tmp_path):
    state_dict = openai_vit_state_dict(VIT_ARCH)
    path = str(tmp_path / 'ViT-B-16.pt')
    save_torchscript_archive(state_dict, path)
    assert is_torchscript_archive(path)
    _assert_same_clip(load_clip(path), _reference(state_dict), VIT_ARCH)


def test_clip_from_open_clip_checkpoint(tmp_path):
    state_dict = openai_vit_state_dict(VIT_ARCH, seed=3)
    path = str(tmp_path / 'epoch_3.pt')
    torch.save(dict(epoch=3, name='run',
                    state_dict={f'module.{k}': v
                                for k, v in state_dict.items()}), path)
    _assert_same_clip(load_clip(path), _reference(state_dict), VIT_ARCH)


def test_clip_random_init_uses_arch():
    model = load_clip(None, arch=VIT_ARCH)
    assert model.visual.conv1.weight.shape == (64, 3, 16, 16)
    assert model.text_projection.shape == (64, 32)


def test_clip_missing_file_names_download_and_key(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'ViT-B-16\.pt.*clip_checkpoint'):
        load_clip(str(tmp_path / 'nope.pt'))


def test_clip_wrong_arch_and_layout(tmp_path):
    path = str(tmp_path / 'rn.pt')
    torch.save(openai_resnet_state_dict(RN_ARCH), path)
    with pytest.raises(ValueError, match='config expects'):
        load_clip(path, arch=VIT_ARCH)
    sam_path = str(tmp_path / 'sam.pth')
    torch.save(sam_state_dict(SAM_ARCH), sam_path)
    with pytest.raises(KeyError, match='not a CLIP checkpoint'):
        load_clip(sam_path)
    partial_path = str(tmp_path / 'partial.pt')
    state_dict = openai_vit_state_dict(VIT_ARCH)
    del state_dict['visual.ln_post.weight']
    torch.save(state_dict, partial_path)
    with pytest.raises(ValueError, match='visual.ln_post.weight'):
        load_clip(partial_path)


def test_torchscript_reader_refuses_code(tmp_path):
    path = str(tmp_path / 'evil.pt')
    marker = tmp_path / 'ran'
    payload = (b'\x80\x02cos\nsystem\nX' +
               len(f'touch {marker}').to_bytes(4, 'little') +
               f'touch {marker}'.encode() + b'\x85R.')
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('evil/data.pkl', payload)
        archive.writestr('evil/constants.pkl', pickle.dumps(()))
    assert is_torchscript_archive(path)
    with pytest.raises(ValueError, match='os.system'):
        read_torchscript_tensors(path)
    assert not marker.exists()


def sam_state_dict(arch: SAMEncoderArch,
                   seed: int = 0) -> Dict[str, torch.Tensor]:
    """Meta's SAM keys: ``image_encoder.*`` with relative-position tables
    of 2*window-1 rows (windowed blocks) or 2*grid-1 rows (global blocks),
    plus prompt-encoder / mask-decoder keys."""
    gen = torch.Generator().manual_seed(seed)
    dim, grid = arch.embed_dim, arch.img_size // arch.patch_size
    head_dim = dim // arch.num_heads
    p = 'image_encoder.'
    sd = {
        p + 'pos_embed': _rand(gen, 1, grid, grid, dim),
        p + 'patch_embed.proj.weight': _rand(gen, dim, 3, 16, 16),
        p + 'patch_embed.proj.bias': _rand(gen, dim),
    }
    for i in range(arch.depth):
        b = f'{p}blocks.{i}.'
        rel = 2 * (grid if i in arch.global_attn_indexes else
                   arch.window_size) - 1
        _ln(sd, gen, b + 'norm1', dim)
        sd[b + 'attn.qkv.weight'] = _rand(gen, 3 * dim, dim)
        sd[b + 'attn.qkv.bias'] = _rand(gen, 3 * dim)
        sd[b + 'attn.proj.weight'] = _rand(gen, dim, dim)
        sd[b + 'attn.proj.bias'] = _rand(gen, dim)
        sd[b + 'attn.rel_pos_h'] = _rand(gen, rel, head_dim)
        sd[b + 'attn.rel_pos_w'] = _rand(gen, rel, head_dim)
        _ln(sd, gen, b + 'norm2', dim)
        sd[b + 'mlp.lin1.weight'] = _rand(gen, 4 * dim, dim)
        sd[b + 'mlp.lin1.bias'] = _rand(gen, 4 * dim)
        sd[b + 'mlp.lin2.weight'] = _rand(gen, dim, 4 * dim)
        sd[b + 'mlp.lin2.bias'] = _rand(gen, dim)
    out = arch.out_chans
    sd[p + 'neck.0.weight'] = _rand(gen, out, dim, 1, 1)
    _ln(sd, gen, p + 'neck.1', out)
    sd[p + 'neck.2.weight'] = _rand(gen, out, out, 3, 3)
    _ln(sd, gen, p + 'neck.3', out)
    sd['prompt_encoder.pe_layer.positional_encoding_gaussian_matrix'] = \
        _rand(gen, 2, 128)
    sd['mask_decoder.iou_token.weight'] = _rand(gen, 1, 256)
    return sd


def test_sam_encoder_from_meta_layout(tmp_path):
    state_dict = sam_state_dict(SAM_ARCH)
    path = str(tmp_path / 'sam_vit_b_01ec64.pth')
    torch.save(state_dict, path)
    encoder = load_sam_image_encoder(path, SAM_ARCH)
    weights = {k[len('image_encoder.'):]: v for k, v in state_dict.items()
               if k.startswith('image_encoder.')}
    reference = ImageEncoderViT(
        img_size=128, embed_dim=32, depth=4, num_heads=2, out_chans=16,
        norm_layer=partial(nn.LayerNorm, eps=1e-6), use_rel_pos=True,
        global_attn_indexes=(1, 3), window_size=4)
    reference.load_state_dict(weights)
    image = torch.randn(1, 3, 128, 128,
                        generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(encoder(image), reference(image))
    assert encoder.blocks[0].attn.rel_pos_h.shape == (7, 16)
    assert encoder.blocks[1].attn.rel_pos_h.shape == (15, 16)


def test_sam_errors(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'sam_vit_b_01ec64\.pth.*sam_checkpoint'):
        load_sam_image_encoder(str(tmp_path / 'missing.pth'), SAM_ARCH)
    path = str(tmp_path / 'sam.pth')
    torch.save(sam_state_dict(SAM_ARCH), path)
    with pytest.raises(ValueError, match='does not fit'):
        load_sam_image_encoder(path, SAMEncoderArch())
    clip_path = str(tmp_path / 'clip.pt')
    torch.save(openai_vit_state_dict(VIT_ARCH), clip_path)
    with pytest.raises(KeyError, match='image_encoder'):
        load_sam_image_encoder(clip_path, SAM_ARCH)
