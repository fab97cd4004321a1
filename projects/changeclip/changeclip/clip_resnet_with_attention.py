"""CLIPResNetWithAttention: CLIP's modified ResNet, densely pooled."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from open_clip.modified_resnet import AttentionPool2d, ModifiedResNet

from changefine_mm.models.utils.clip_tower_loading import (
    init_from_clip, interpolate_pos_embed)
from changefine_mm.registry import MODELS


def dense_attention_pool(pool: AttentionPool2d,
                         x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Run CLIP's attention pool on every position, not only the mean token.

    CLIP's pool lets the mean token attend to the feature map and returns
    that one vector. DenseCLIP (and ChangeCLIP) let every position be a
    query too, which gives a dense map in the joint image-text space
    beside the global embedding. The positional embedding is resized to
    the feature map, so any input size works.

    Args:
        pool (AttentionPool2d): The pool of an open_clip ``ModifiedResNet``.
        x (Tensor): Last-stage features (B, C, H, W).

    Returns:
        tuple[Tensor, Tensor]: Global embedding (B, D) and dense embedding
        (B, D, H, W), D being the pool's output dimension.
    """
    batch, channels, height, width = x.shape
    tokens = x.flatten(2).permute(2, 0, 1)  # (HW, B, C)
    tokens = torch.cat([tokens.mean(dim=0, keepdim=True), tokens], dim=0)
    pos = interpolate_pos_embed(pool.positional_embedding, (height, width))
    tokens = tokens + pos[:, None, :].to(tokens.dtype)
    out, _ = F.multi_head_attention_forward(
        query=tokens,
        key=tokens,
        value=tokens,
        embed_dim_to_check=channels,
        num_heads=pool.num_heads,
        q_proj_weight=pool.q_proj.weight,
        k_proj_weight=pool.k_proj.weight,
        v_proj_weight=pool.v_proj.weight,
        in_proj_weight=None,
        in_proj_bias=torch.cat(
            [pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]),
        bias_k=None,
        bias_v=None,
        add_zero_attn=False,
        dropout_p=0.,
        out_proj_weight=pool.c_proj.weight,
        out_proj_bias=pool.c_proj.bias,
        use_separate_proj_weight=True,
        training=pool.training,
        need_weights=False)
    out = out.permute(1, 2, 0)  # (B, D, 1 + HW)
    return out[:, :, 0], out[:, :, 1:].reshape(batch, -1, height, width)


@MODELS.register_module()
class CLIPResNetWithAttention(ModifiedResNet):
    """CLIP's modified ResNet (RN50 and kin) as a dense backbone.

    ChangeCLIP's image encoder for its RN50 variant (official
    ``CLIPResNetWithAttention`` in ``mmseg/models/backbones/clip_backbone.py``,
    taken from DenseCLIP). It is open_clip's ``ModifiedResNet`` (same
    parameter names as OpenAI's ``visual.*`` weights) returning the four
    stage outputs plus the global and dense embeddings of
    :func:`dense_attention_pool`.

    Args:
        layers (sequence[int]): Blocks per stage. Defaults to RN50's.
        width (int): Stem width. Defaults to 64.
        output_dim (int): Joint embedding dimension. Defaults to 1024.
        heads (int, optional): Heads of the attention pool. Defaults to
            ``width * 32 // 64`` as in CLIP.
        input_resolution (int): Sets the grid of the pool's positional
            embedding (``input_resolution // 32``); the checkpoint's is
            resized to it when loading. Defaults to 224.
        clip_checkpoint (str, optional): Local CLIP checkpoint whose
            ``visual.*`` weights :meth:`init_weights` loads. None keeps the
            random initialisation.
    """

    def __init__(self,
                 layers: Sequence[int] = (3, 4, 6, 3),
                 width: int = 64,
                 output_dim: int = 1024,
                 heads: Optional[int] = None,
                 input_resolution: int = 224,
                 clip_checkpoint: Optional[str] = None) -> None:
        heads = heads or width * 32 // 64
        super().__init__(list(layers), output_dim, heads, input_resolution,
                         width)
        self.clip_checkpoint = clip_checkpoint

    def init_weights(self) -> None:
        """Load the ``visual.*`` weights of ``clip_checkpoint`` if given."""
        init_from_clip(self, self.clip_checkpoint, 'visual',
                       'attnpool.positional_embedding')

    def forward(self, x: torch.Tensor) -> Tuple:
        """Encode one date.

        Args:
            x (Tensor): Images (B, 3, H, W).

        Returns:
            tuple: Stage outputs at strides 4, 8, 16, 32 and, last, the
            pair (global embedding (B, D), dense embedding (B, D, H/32,
            W/32)).
        """
        x = self.stem(x)
        outs: List = []
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
            outs.append(x)
        outs.append(dense_attention_pool(self.attnpool, x))
        return tuple(outs)
