"""CLIPTextEncoder: CLIP's text tower (open_clip) as a prompt encoder."""
import logging
from typing import List, Optional, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule
from open_clip.model import CLIPTextCfg, _build_text_tower
from open_clip.tokenizer import SimpleTokenizer

from changefine_mm.models.utils.clip_loading import (
    clip_arch_from_state_dict, read_clip_state_dict)
from changefine_mm.models.utils.strict_weight_loading import \
    load_weights_strictly
from changefine_mm.registry import MODELS

_OUTPUTS = ('pooled', 'tokens')


@MODELS.register_module()
class CLIPTextEncoder(BaseModule):
    """Encode prompts with the text transformer of a CLIP model.

    Not part of the official SegChange-R1, which encodes prompts with BERT
    or phi-1.5 through Hugging Face (see :class:`HFTextEncoder`); CLIP's
    text tower is this plugin's default because open_clip is a dependency
    and its weights come with every CLIP checkpoint.

    Only the text tower is built (no vision tower in memory). With
    ``checkpoint`` its dimensions are read from the file, which may be an
    OpenAI release (TorchScript, read without running code), a state dict
    in the OpenAI key layout or an open_clip checkpoint; without one the
    tower is built from the explicit dimensions with random weights (tiny
    variants for tests). Nothing is downloaded; the BPE vocabulary ships
    with open_clip.

    Args:
        checkpoint (str, optional): Local CLIP weights.
        output (str): 'pooled' gives one (B, 1, embed_dim) vector per
            prompt (the end-of-text feature after the projection, CLIP's
            sentence embedding); 'tokens' gives the (B, T, width) token
            features with a padding mask. Defaults to 'pooled'.
        frozen (bool): Keep the weights fixed (and the tower in eval mode).
            Defaults to True.
        quick_gelu (bool): QuickGELU activations, as OpenAI's models use.
            Defaults to True.
        embed_dim (int): Output width without a checkpoint. Defaults to 512.
        context_length (int): Tokens per prompt without a checkpoint.
            Defaults to 77.
        vocab_size (int): Without a checkpoint. Defaults to 49408, the BPE
            vocabulary's size.
        width (int): Transformer width without a checkpoint. Defaults to 512.
        heads (int): Attention heads without a checkpoint. Defaults to 8.
        layers (int): Transformer depth without a checkpoint. Defaults to 12.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 checkpoint: Optional[str] = None,
                 output: str = 'pooled',
                 frozen: bool = True,
                 quick_gelu: bool = True,
                 embed_dim: int = 512,
                 context_length: int = 77,
                 vocab_size: int = 49408,
                 width: int = 512,
                 heads: int = 8,
                 layers: int = 12,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if output not in _OUTPUTS:
            raise ValueError(f'output must be one of {_OUTPUTS}, got '
                             f'{output!r}')
        self.output = output
        self.frozen = frozen
        state_dict = None
        if checkpoint is not None:
            state_dict = read_clip_state_dict(checkpoint)
            arch = clip_arch_from_state_dict(state_dict, checkpoint)
            embed_dim, context_length, vocab_size, width, layers = (
                arch.embed_dim, arch.context_length, arch.vocab_size,
                arch.text_width, arch.text_layers)
            # OpenAI's text towers use 64-channel heads.
            heads = max(width // 64, 1)
        else:
            print_log(
                'CLIPTextEncoder has no `checkpoint`: its text tower starts '
                'from random weights (fine when a model checkpoint loaded '
                'afterwards holds them; else set it to a local CLIP file)',
                logger='current', level=logging.WARNING)
        cfg = CLIPTextCfg(context_length=context_length,
                          vocab_size=vocab_size, width=width, heads=heads,
                          layers=layers, output_tokens=True)
        self.tower = _build_text_tower(embed_dim, cfg, quick_gelu=quick_gelu)
        if state_dict is not None:
            load_weights_strictly(self.tower, state_dict, checkpoint)
        self.tokenizer = SimpleTokenizer(context_length=context_length)
        self.embed_dim = embed_dim if output == 'pooled' else width
        if frozen:
            self.tower.requires_grad_(False)

    def train(self, mode: bool = True) -> 'CLIPTextEncoder':
        """Switch mode; a frozen tower stays in eval mode."""
        super().train(mode)
        if self.frozen:
            self.tower.eval()
        return self

    def forward(self, prompts: List[str]
                ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Embed a batch of prompts.

        Args:
            prompts (list[str]): One description per image.

        Returns:
            tuple: (B, T, D) embeddings and a (B, T) bool mask of real
            tokens (None for pooled output, where T = 1).
        """
        device = self.tower.token_embedding.weight.device
        tokens = self.tokenizer(list(prompts)).to(device)
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.frozen):
            pooled, token_feats = self.tower(tokens)
        if self.output == 'pooled':
            return pooled.unsqueeze(1), None
        return token_feats, tokens != 0
