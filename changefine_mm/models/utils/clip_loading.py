"""Build an open_clip ``CLIP`` model from a local checkpoint file.

Accepted files (the layout is detected, never the file name):

* an OpenAI release file (``ViT-B-16.pt``, ``RN50.pt``, ...): a TorchScript
  archive, read without executing its code
  (:mod:`~changefine_mm.models.utils.torchscript_weights`);
* a plain state dict in the OpenAI key layout (``visual.conv1.weight``,
  ``transformer.resblocks.0.attn.in_proj_weight``, ``token_embedding.weight``,
  ``text_projection``, ...), as ``clip.load(..., jit=False)`` users save it
  and as open_clip writes its ``CLIP`` models;
* an open_clip training checkpoint: ``{'state_dict': {...}}`` with optional
  ``module.`` prefixes.

The architecture (ViT or modified ResNet, widths, depths, patch size, context
length) is read from the tensor shapes, as OpenAI's ``build_model`` does.
Without a file the model is built from explicit dimensions with random
weights, so tests can use tiny variants. Nothing is ever downloaded.
"""
import logging
import os.path as osp
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

from changefine_mm.utils import load_checkpoint_file
from .torchscript_weights import (is_torchscript_archive,
                                  read_torchscript_tensors)

OPENAI_CLIP_URLS = {
    'ViT-B-16.pt':
    'https://openaipublic.azureedge.net/clip/models/5806e77cd80f8b59890b7e1'
    '01eabd078d9fb84e6937f9e85e4ecb61988df416f/ViT-B-16.pt',
    'RN50.pt':
    'https://openaipublic.azureedge.net/clip/models/afeb0e10f9e5a86da6080e3'
    '5cf09123aca3b358a0c3e3b6c78a7b63bc04b6762/RN50.pt',
}
# Extra entries of OpenAI's TorchScript archives that are not weights.
_OPENAI_METADATA_KEYS = ('input_resolution', 'context_length', 'vocab_size')


@dataclass(frozen=True)
class CLIPArch:
    """Dimensions of a CLIP model (defaults: OpenAI ViT-B/16).

    Args:
        embed_dim (int): Joint image-text embedding width.
        vision_layers (int | tuple[int, int, int, int]): Depth of the vision
            ViT, or the block counts of the 4 stages of a modified ResNet.
        vision_width (int): ViT width, or the ResNet stem width.
        vision_patch_size (int, optional): ViT patch size (None for ResNets).
        image_size (int): Pre-training input size (sets the grid of the
            positional embedding).
        context_length (int): Text context length.
        vocab_size (int): Token vocabulary size.
        text_width (int): Text transformer width (heads = width // 64, as in
            OpenAI's models).
        text_layers (int): Text transformer depth.
    """
    embed_dim: int = 512
    vision_layers: Union[int, Tuple[int, int, int, int]] = 12
    vision_width: int = 768
    vision_patch_size: Optional[int] = 16
    image_size: int = 224
    context_length: int = 77
    vocab_size: int = 49408
    text_width: int = 512
    text_layers: int = 12

    def __post_init__(self) -> None:
        # Configs give lists; the comparison with a file's dimensions needs
        # the same type.
        if isinstance(self.vision_layers, (list, tuple)):
            object.__setattr__(self, 'vision_layers',
                               tuple(int(n) for n in self.vision_layers))

    @property
    def is_vit(self) -> bool:
        """Whether the vision tower is a ViT (else a modified ResNet)."""
        return isinstance(self.vision_layers, int)


def build_clip(arch: CLIPArch, quick_gelu: bool = True) -> CLIP:
    """An open_clip ``CLIP`` with random weights.

    Args:
        arch (CLIPArch): Model dimensions.
        quick_gelu (bool): Use QuickGELU, as OpenAI's models were trained
            with; open_clip models trained with nn.GELU need False.

    Returns:
        CLIP: The model in eval mode, float32.
    """
    vision_cfg = CLIPVisionCfg(
        layers=arch.vision_layers,
        width=arch.vision_width,
        patch_size=arch.vision_patch_size or 16,
        image_size=arch.image_size)
    text_cfg = CLIPTextCfg(
        context_length=arch.context_length,
        vocab_size=arch.vocab_size,
        width=arch.text_width,
        heads=max(arch.text_width // 64, 1),
        layers=arch.text_layers)
    model = CLIP(arch.embed_dim, vision_cfg=vision_cfg, text_cfg=text_cfg,
                 quick_gelu=quick_gelu)
    return model.eval()


def clip_arch_from_state_dict(state_dict: Dict[str, torch.Tensor],
                              source: str = 'state dict') -> CLIPArch:
    """Infer the dimensions of an OpenAI-layout CLIP state dict.

    Args:
        state_dict (dict): Weights in the OpenAI key layout.
        source (str): Name of the file, for error messages.

    Returns:
        CLIPArch: The dimensions the weights were trained with.

    Raises:
        KeyError: If the keys do not follow the OpenAI layout.
    """
    required = ('text_projection', 'positional_embedding',
                'token_embedding.weight', 'ln_final.weight')
    missing = [k for k in required if k not in state_dict]
    if missing or not any(k.startswith('visual.') for k in state_dict):
        found = ', '.join(list(state_dict)[:5])
        raise KeyError(
            f'{source} is not a CLIP checkpoint in the OpenAI key layout '
            f'(missing {missing or ["visual.*"]}; first keys: {found})')
    text_layers = len({
        k.split('.')[2]
        for k in state_dict if k.startswith('transformer.resblocks.')
    })
    common = dict(
        embed_dim=state_dict['text_projection'].shape[1],
        context_length=state_dict['positional_embedding'].shape[0],
        vocab_size=state_dict['token_embedding.weight'].shape[0],
        text_width=state_dict['ln_final.weight'].shape[0],
        text_layers=text_layers)
    if 'visual.proj' in state_dict:
        conv = state_dict['visual.conv1.weight']
        grid = round((state_dict['visual.positional_embedding'].shape[0] -
                      1)**0.5)
        return CLIPArch(
            vision_layers=sum(
                k.startswith('visual.transformer.resblocks.')
                and k.endswith('.attn.in_proj_weight') for k in state_dict),
            vision_width=conv.shape[0],
            vision_patch_size=conv.shape[-1],
            image_size=conv.shape[-1] * grid,
            **common)
    stages = tuple(
        len({
            k.split('.')[2]
            for k in state_dict if k.startswith(f'visual.layer{i}.')
        }) for i in (1, 2, 3, 4))
    attnpool_tokens = state_dict[
        'visual.attnpool.positional_embedding'].shape[0]
    return CLIPArch(
        vision_layers=stages,
        vision_width=state_dict['visual.layer1.0.conv1.weight'].shape[0],
        vision_patch_size=None,
        image_size=round((attnpool_tokens - 1)**0.5) * 32,
        **common)


def read_clip_state_dict(filename: str) -> Dict[str, torch.Tensor]:
    """The OpenAI-layout weights stored in a CLIP checkpoint file.

    Args:
        filename (str): A TorchScript archive, a plain state dict or an
            open_clip checkpoint (see the module doc).

    Returns:
        dict[str, Tensor]: Weights by OpenAI key name (metadata entries of
        OpenAI's archives removed, ``module.`` prefixes stripped).
    """
    if is_torchscript_archive(filename):
        state_dict = read_torchscript_tensors(filename)
    else:
        state_dict = load_checkpoint_file(filename)
        if isinstance(state_dict, dict) and isinstance(
                state_dict.get('state_dict'), dict):
            state_dict = state_dict['state_dict']
        if not isinstance(state_dict, dict):
            raise TypeError(f'{filename} does not hold a state dict but a '
                            f'{type(state_dict).__name__}')
    state_dict = {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state_dict.items() if k not in _OPENAI_METADATA_KEYS
    }
    if any(k.startswith('text.') for k in state_dict):
        raise KeyError(
            f'{filename} holds an open_clip CustomTextCLIP (keys "text.*"); '
            'only the OpenAI/open_clip CLIP layout is supported')
    return state_dict


def load_clip(checkpoint: Optional[str] = None,
              arch: Optional[CLIPArch] = None,
              quick_gelu: bool = True,
              config_key: str = 'clip_checkpoint') -> CLIP:
    """Build a CLIP model, from a local file or with random weights.

    Args:
        checkpoint (str, optional): Path of the weights (see the module doc).
            None builds ``arch`` with random weights and logs a warning.
        arch (CLIPArch, optional): Expected dimensions. With a file they are
            checked against the file's (a ViT-B/16 config given an RN50 file
            is an error); without a file they are used as is. Defaults to
            ViT-B/16 without a file, and to the file's dimensions with one.
        quick_gelu (bool): See :func:`build_clip`.
        config_key (str): Name of the config entry holding the path, quoted
            in the missing-file error.

    Returns:
        CLIP: The model in eval mode, float32 (half-precision weights of
        OpenAI's files are converted).

    Raises:
        FileNotFoundError: If ``checkpoint`` does not exist.
        ValueError: If the file's dimensions differ from ``arch`` or weights
            are missing.
    """
    if checkpoint is None:
        print_log(
            'CLIP built with RANDOM weights (no checkpoint given); set '
            f'`{config_key}` to the path of OpenAI\'s ViT-B-16.pt for real '
            'features', logger='current', level=logging.WARNING)
        return build_clip(arch or CLIPArch(), quick_gelu)
    checkpoint = osp.expanduser(str(checkpoint))
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'CLIP checkpoint not found: {checkpoint}. Download OpenAI\'s '
            f'ViT-B-16.pt ({OPENAI_CLIP_URLS["ViT-B-16.pt"]}) and set '
            f'`{config_key}` to its path (or put it at that path).')
    state_dict = read_clip_state_dict(checkpoint)
    file_arch = clip_arch_from_state_dict(state_dict, checkpoint)
    if arch is not None and arch != file_arch:
        raise ValueError(
            f'{checkpoint} holds a CLIP with dimensions {asdict(file_arch)}, '
            f'but the config expects {asdict(arch)}')
    model = build_clip(file_arch, quick_gelu)
    _load_weights(model, state_dict, checkpoint)
    return model


def _load_weights(model: CLIP, state_dict: Dict[str, torch.Tensor],
                  source: str) -> None:
    # Only the model's own keys are taken: TorchScript archives may also hold
    # non-persistent tensors (attention masks) as plain attributes.
    expected = model.state_dict()
    missing = [
        k for k in expected
        if k not in state_dict and not k.endswith('num_batches_tracked')
    ]
    if missing:
        raise ValueError(f'{source} lacks CLIP weights: {missing[:8]}'
                         f'{" ..." if len(missing) > 8 else ""}')
    wrong = [
        f'{k}: {tuple(state_dict[k].shape)} vs {tuple(v.shape)}'
        for k, v in expected.items()
        if k in state_dict and state_dict[k].shape != v.shape
    ]
    if wrong:
        raise ValueError(f'{source} has CLIP weights of unexpected shape: '
                         f'{wrong[:8]}')
    model.load_state_dict(
        {k: state_dict[k]
         for k in expected if k in state_dict}, strict=False)
