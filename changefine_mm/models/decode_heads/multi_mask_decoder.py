"""MultiMaskDecoder: the SAM-style two-way mask decoder in ChangeFine's PCD."""
import math
from typing import List

import torch
from segment_anything.modeling.common import LayerNorm2d
from segment_anything.modeling.mask_decoder import MaskDecoder
from segment_anything.modeling.transformer import TwoWayTransformer
from torch import Tensor, nn


class MultiMaskDecoder(MaskDecoder):
    """SAM's mask decoder, rebuilt at width 512 with ChangeFine's prompts.

    Official counterpart: ``MultiMaskDecoder`` in
    ``models/decoder/transformer_decoder.py`` of whudk/ChangeFine (paper
    Sec. "Prompt Change Decoder"). It is a new, randomly initialised decoder
    with SAM's architecture; SAM's pretrained decoder is not used. The
    classes of the installed ``segment_anything`` package are reused
    (``MaskDecoder``, ``TwoWayTransformer``, ``LayerNorm2d``), so the
    sub-module names (``transformer.*``, ``iou_token``, ``mask_tokens``,
    ``output_upscaling.*``, ``output_hypernetworks_mlps.*``,
    ``iou_prediction_head.*``) equal the official checkpoint keys.

    Additions to SAM's decoder, named as in the official class:

    * ``norm_t``: LayerNorm of the sparse (text-difference) prompt tokens,
      which follow the IoU token and the mask tokens;
    * ``dense_conv``: Conv1x1(1 -> dim) + LayerNorm2d + activation that embeds
      the binary coarse change mask (the dense prompt), added to the image
      embedding;
    * ``mask_weight``: learnable scale of each multimask output (init 1);
    * ``conv_out``: 1x1 conv from the multimask outputs to the class logits.

    Only the multimask slots 1..N are used (slot 0 is SAM's single-mask
    slot), and the IoU prediction is never used by ChangeFine. With
    ``keep_unused=False`` the IoU head and the hypernetwork of slot 0 are
    not built (slot 0 becomes a parameter-free placeholder so that the
    indices, and thus the checkpoint keys, of slots 1..N stay official).
    The IoU token and mask token 0 are always kept: they take part in the
    token self-attention and therefore change the output.

    Args:
        transformer_dim (int): Token/image width. Defaults to 512.
        depth (int): Two-way transformer depth. Defaults to 2.
        num_heads (int): Attention heads. Defaults to 8.
        mlp_dim (int): Hidden width of the transformer MLPs. Defaults to
            1024.
        attention_downsample_rate (int): Internal width divisor of the
            cross attentions. Defaults to 2.
        num_multimask_outputs (int): Multimask slots (SAM builds one more).
            Defaults to 2.
        num_classes (int): Output logits. Defaults to 2.
        iou_head_depth (int): Layers of the IoU head. Defaults to 3.
        iou_head_hidden_dim (int): Hidden width of the IoU head. Defaults to
            256.
        keep_unused (bool): Build the modules whose outputs are discarded
            (IoU head, hypernetwork of slot 0), for checkpoint parity. They
            are frozen (``requires_grad=False``) because they can never
            receive a gradient, which also keeps DDP from waiting for them.
            Defaults to True.
    """

    def __init__(self,
                 transformer_dim: int = 512,
                 depth: int = 2,
                 num_heads: int = 8,
                 mlp_dim: int = 1024,
                 attention_downsample_rate: int = 2,
                 num_multimask_outputs: int = 2,
                 num_classes: int = 2,
                 iou_head_depth: int = 3,
                 iou_head_hidden_dim: int = 256,
                 keep_unused: bool = True) -> None:
        transformer = TwoWayTransformer(
            depth=depth,
            embedding_dim=transformer_dim,
            num_heads=num_heads,
            mlp_dim=mlp_dim,
            activation=nn.ReLU,
            attention_downsample_rate=attention_downsample_rate)
        # The official decoder is built with activation=ReLU, which SAM
        # uses in the upscaling path (GELU in SAM itself).
        super().__init__(
            transformer_dim=transformer_dim,
            transformer=transformer,
            num_multimask_outputs=num_multimask_outputs,
            activation=nn.ReLU,
            iou_head_depth=iou_head_depth,
            iou_head_hidden_dim=iou_head_hidden_dim)
        self.norm_t = nn.LayerNorm(transformer_dim)
        self.dense_conv = nn.Sequential(
            nn.Conv2d(1, transformer_dim, kernel_size=1),
            LayerNorm2d(transformer_dim), nn.ReLU())
        self.mask_weight = nn.Parameter(torch.ones(num_multimask_outputs))
        self.conv_out = nn.Conv2d(num_multimask_outputs, num_classes, 1)
        self.upscale_factor = math.prod(
            m.stride[0] for m in self.output_upscaling
            if isinstance(m, nn.ConvTranspose2d))
        self.keep_unused = keep_unused
        if keep_unused:
            self.iou_prediction_head.requires_grad_(False)
            self.output_hypernetworks_mlps[0].requires_grad_(False)
        else:
            del self.iou_prediction_head
            self.output_hypernetworks_mlps[0] = nn.Identity()

    def forward(self, image_embeddings: Tensor, image_pe: Tensor,
                sparse_prompt: Tensor, mask_prompt: Tensor) -> Tensor:
        """Decode fine change logits.

        Args:
            image_embeddings (Tensor): Dense embedding, (B, dim, h, w).
            image_pe (Tensor): Positional encoding, (1, dim, h, w).
            sparse_prompt (Tensor): Text-difference tokens, (B, K, dim);
                ``norm_t`` is applied here.
            mask_prompt (Tensor): Binary coarse change mask, (B, 1, h, w),
                floating point.

        Returns:
            Tensor: Fine logits, (B, num_classes, f*h, f*w) with
            f = ``upscale_factor`` (4).
        """
        masks = self.predict_masks(
            image_embeddings=image_embeddings,
            image_pe=image_pe,
            sparse_prompt_embeddings=self.norm_t(sparse_prompt),
            dense_prompt_embeddings=self.dense_conv(mask_prompt))
        return self.conv_out(masks * self.mask_weight[None, :, None, None])

    def predict_masks(
            self, image_embeddings: Tensor, image_pe: Tensor,
            sparse_prompt_embeddings: Tensor,
            dense_prompt_embeddings: Tensor) -> Tensor:
        """Run the two-way transformer and the hypernetworks.

        Unlike SAM, every image has its own prompt set, so the image
        embedding is not repeated per prompt; only the multimask slots are
        computed (SAM's single-mask slot and the IoU head are discarded by
        ChangeFine).

        Args:
            image_embeddings (Tensor): (B, dim, h, w).
            image_pe (Tensor): (1, dim, h, w).
            sparse_prompt_embeddings (Tensor): Normalised tokens (B, K, dim).
            dense_prompt_embeddings (Tensor): (B, dim, h, w).

        Returns:
            Tensor: Multimask logits (B, num_multimask_outputs, f*h, f*w).
        """
        batch = sparse_prompt_embeddings.size(0)
        output_tokens = torch.cat(
            [self.iou_token.weight, self.mask_tokens.weight], dim=0)
        tokens = torch.cat(
            (output_tokens.unsqueeze(0).expand(batch, -1, -1),
             sparse_prompt_embeddings),
            dim=1)
        src = image_embeddings + dense_prompt_embeddings
        b, c, h, w = src.shape
        hs, src = self.transformer(src, image_pe, tokens)
        upscaled = self.output_upscaling(src.transpose(1, 2).reshape(
            b, c, h, w))
        hyper_in = self._hyper_in(hs)
        b, c, h, w = upscaled.shape
        return (hyper_in @ upscaled.reshape(b, c, h * w)).reshape(
            b, -1, h, w)

    def _hyper_in(self, hs: Tensor) -> Tensor:
        """Hypernetwork weights of the multimask slots 1..N, (B, N, dim/8)."""
        # Token 0 is the IoU token, tokens 1..num_mask_tokens the masks.
        slots: List[Tensor] = [
            self.output_hypernetworks_mlps[i](hs[:, 1 + i])
            for i in range(1, self.num_mask_tokens)
        ]
        return torch.stack(slots, dim=1)
