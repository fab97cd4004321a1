"""CLIPSwinWithAttention: Swin Transformer with CLIP-style embeddings."""
import logging
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch
from mmengine.logging import print_log
from mmseg.models.backbones import SwinTransformer
from torch import nn

from changefine_mm.models.utils.strict_weight_loading import \
    load_weights_strictly
from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file

# Parameters that an ImageNet Swin checkpoint does not hold: the per-output
# norms of the dense backbone and the embedding projection.
_OWN_KEYS = ('norm0.', 'norm1.', 'norm2.', 'norm3.', 'proj')
# Buffers the model computes itself.
_DERIVED_KEYS = ('relative_position_index', )


def _swin_state_dict(checkpoint: str) -> Dict[str, torch.Tensor]:
    """Weights of an mmseg-layout Swin checkpoint, without prefixes."""
    content = load_checkpoint_file(checkpoint)
    for key in ('state_dict', 'model'):
        if isinstance(content, dict) and isinstance(content.get(key), dict):
            content = content[key]
            break
    state_dict = OrderedDict()
    for name, value in content.items():
        for prefix in ('module.', 'backbone.'):
            if name.startswith(prefix):
                name = name[len(prefix):]
        state_dict[name] = value
    if any(k.startswith('layers.') for k in state_dict):
        raise ValueError(
            f'{checkpoint} is a Swin checkpoint in the original (Microsoft) '
            'key layout ("layers.*"); use the mmseg one, e.g. '
            'swin_tiny_patch4_window7_224_20220317-1cdeb081.pth from '
            'download.openmmlab.com, or convert it with mmseg\'s '
            'tools/model_converters/swin2mmseg.py')
    return state_dict


@MODELS.register_module()
class CLIPSwinWithAttention(SwinTransformer):
    """mmseg's Swin Transformer plus global and dense joint-space embeddings.

    CLIPFormer's image encoder (official ``CLIPSwinWithAttention`` in
    ``swinclip.py``). The four stage outputs are mmseg's; the last one is
    pooled the way ChangeCLIP's backbones are: its mean token and every
    position are projected by one matrix to ``output_dim`` (the official
    ``GlobalLocalPool``, a linear projection, not an attention), giving the
    global and dense embeddings that meet the prompt embeddings. The
    official code fixes ``output_dim`` to 512 (CLIP ViT-B/16 text); use
    1024 with CLIP RN50's text encoder.

    Args:
        output_dim (int): Joint embedding dimension. Defaults to 512.
        swin_checkpoint (str, optional): Local Swin checkpoint in mmseg's
            key layout; :meth:`init_weights` loads it (all Swin weights are
            required, the output norms and the projection start fresh).
        **kwargs: :class:`mmseg.models.backbones.SwinTransformer` arguments
            (``out_indices`` must be the four stages).
    """

    def __init__(self,
                 output_dim: int = 512,
                 swin_checkpoint: Optional[str] = None,
                 **kwargs) -> None:
        if tuple(kwargs.get('out_indices', (0, 1, 2, 3))) != (0, 1, 2, 3):
            raise ValueError('CLIPSwinWithAttention needs all four stages: '
                             'out_indices=(0, 1, 2, 3)')
        super().__init__(**kwargs)
        width = self.num_features[-1]
        self.swin_checkpoint = swin_checkpoint
        self.proj = nn.Parameter(width**-0.5 * torch.randn(width, output_dim))

    def train(self, mode: bool = True) -> 'CLIPSwinWithAttention':
        """Set the mode (mmseg's keeps frozen stages frozen) and return self.

        mmseg's ``SwinTransformer.train`` returns None, which breaks
        ``model.eval()`` chains.
        """
        super().train(mode)
        return self

    def init_weights(self) -> None:
        """mmseg's initialisation, then the Swin weights if given."""
        super().init_weights()
        if self.swin_checkpoint is None:
            print_log(f'{type(self).__name__}: no swin_checkpoint, keeping '
                      'random weights', logger='current',
                      level=logging.WARNING)
            return
        load_weights_strictly(self, _swin_state_dict(self.swin_checkpoint),
                              self.swin_checkpoint, _OWN_KEYS, _DERIVED_KEYS)

    def forward(self, x: torch.Tensor) -> Tuple:
        """Encode one date.

        Args:
            x (Tensor): Images (B, 3, H, W).

        Returns:
            tuple: Stage outputs at strides 4, 8, 16, 32 and, last, the
            pair (global embedding (B, D), dense embedding (B, D, H/32,
            W/32)).
        """
        outs = super().forward(x)
        last = outs[-1]
        batch, _, height, width = last.shape
        tokens = last.flatten(2).transpose(1, 2)
        tokens = torch.cat([tokens.mean(dim=1, keepdim=True), tokens], dim=1)
        embedding = tokens @ self.proj
        dense = embedding[:, 1:].transpose(1, 2).reshape(
            batch, -1, height, width)
        return (*outs, (embedding[:, 0], dense))
