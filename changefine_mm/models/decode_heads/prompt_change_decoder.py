"""PromptChangeDecoder (PCD): coarse head, prompts and the two-way decoder."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.utils import ConfigType, SampleList
from segment_anything.modeling.prompt_encoder import PositionEmbeddingRandom
from torch import Tensor, nn

from changefine_mm.registry import MODELS
from ..utils.mlp import Mlp
from .multi_mask_decoder import MultiMaskDecoder

MODES = ('official', 'paper')
INPUT_KEYS = ('dense_embed', 'text_from', 'text_to')

# Official (whudk/ChangeFine) state_dict names owned by this head and its
# loss. The head keeps the official sub-module names; the memory bank lives
# in the loss.
OFFICIAL_PREFIXES = ('decoder.', 'embed_text.', 'aux_head.', 'pe_encoder.')
OFFICIAL_NAMES = {
    'alpha': 'alpha',
    'mem_queue': 'loss_decode.contrast.mem_queue',
    'mem_queue_ptr': 'loss_decode.contrast.mem_queue_ptr',
}
# Official decoder entries without effect that paper mode does not build.
PAPER_DROPPED = ('decoder.iou_prediction_head.',
                 'decoder.output_hypernetworks_mlps.0.')


def official_to_ours(key: str, mode: str = 'official') -> Optional[str]:
    """Map an official ChangeFine state_dict key to this head's key.

    The mapping is prefix-only: ``decoder.*``, ``embed_text.*``,
    ``aux_head.0.*``, ``pe_encoder.positional_encoding_gaussian_matrix`` and
    ``alpha`` keep their names; the memory bank ``mem_queue`` /
    ``mem_queue_ptr`` moves to ``loss_decode.contrast.*``. Prefix the result
    with the head's name in the model (``decode_head.``).

    Args:
        key (str): Official key (without DDP's ``module.``).
        mode (str): Head mode. In ``'paper'`` mode the IoU head and the
            slot-0 hypernetwork are not built and map to None.

    Returns:
        str | None: Our key relative to the head, or None for an entry
        that ``mode`` does not build.

    Raises:
        ValueError: If the key belongs to another part of ChangeFine.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    if key in OFFICIAL_NAMES:
        return OFFICIAL_NAMES[key]
    if not key.startswith(OFFICIAL_PREFIXES):
        raise ValueError(
            f'official key {key!r} is not part of the prompt change decoder '
            f'(prefixes {OFFICIAL_PREFIXES}, names {sorted(OFFICIAL_NAMES)})')
    if mode == 'paper' and key.startswith(PAPER_DROPPED):
        return None
    return key


def text_difference(text_from: Tensor,
                    text_to: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Implicit semantic difference of the two dates' text embeddings.

    S = t1 t2^T, A = 1 - softmax_row(S) (dissimilar class pairs weigh more),
    d = A t2 + A^T t1 (paper: text-difference sparse prompt, before its
    MLP).

    Args:
        text_from (Tensor): Date-A text embeddings, (B, K, C).
        text_to (Tensor): Date-B text embeddings, (B, K, C).

    Returns:
        tuple[Tensor]: S (B, K, K), A (B, K, K) and d (B, K, C).
    """
    sim = text_from @ text_to.transpose(1, 2)
    weights = 1 - sim.softmax(dim=-1)
    diff = weights @ text_to + weights.transpose(1, 2) @ text_from
    return sim, weights, diff


@MODELS.register_module()
class PromptChangeDecoder(BaseDecodeHead):
    """Prompt Change Decoder of ChangeFine (paper Sec. PCD).

    Official counterpart: the tail of ``ChangeFine.forward`` in
    ``models/ChangeFine.py`` (``aux_head``, ``embed_text``, ``pe_encoder``,
    ``decoder`` = ``MultiMaskDecoder``, ``alpha``). From the neck's
    ``dense_embed`` and per-date text embeddings it computes

    1. coarse logits ``pred_aux`` = ``aux_head`` (1x1 conv) at H/4;
    2. the sparse prompt = ``embed_text`` MLP of the text difference
       (:func:`text_difference`);
    3. the dense prompt = binary argmax mask of the current prompt logits,
       embedded by the decoder's ``dense_conv`` and added to
       ``dense_embed``;
    4. random-Fourier positional encoding of the H/4 grid (``pe_encoder``);
    5. fine logits from :class:`MultiMaskDecoder` at full resolution;
    6. ``pred = alpha * fine + (1 - alpha) * up(coarse)`` (bilinear,
       align_corners False; alpha learnable, used without clamping).

    A decoding pass turns prompt logits into a new prompt; pass 0 uses the
    coarse logits and every further pass the previous ``pred`` resized to
    H/4 (bilinear, align_corners False); the result is the last ``pred``.

    ``mode='official'`` reproduces the official code: 1 pass in training
    but ``test_passes`` (5) in eval mode; images whose dense prompt has no
    changed pixel skip the decoder (their fine output is the upsampled
    prompt logits, i.e. up(coarse) in pass 0); the
    never-used IoU head and slot-0 hypernetwork are kept, frozen, for
    checkpoint parity. ``mode='paper'`` decodes identically in training and
    testing (the same number of passes, default 1, since the official
    training never sees the extra passes and the feedback carries no
    gradient), always runs the decoder on the whole batch (no
    data-dependent skip) and does not build the two unused modules. Because
    of the skip, multi-GPU training in official mode needs DDP's
    ``find_unused_parameters=True`` (as the official runs use).

    Args:
        in_channels (int): Width of ``dense_embed``. Defaults to 512.
        channels (int): Decoder width; must equal ``in_channels``.
            Defaults to 512.
        num_classes (int): Must be 2 (unchanged/changed). Defaults to 2.
        mode (str): ``'official'`` or ``'paper'``. Defaults to 'official'.
        text_dim (int): Width of the text embeddings. Defaults to 512.
        text_hidden_dim (int): Hidden width of ``embed_text``. Defaults to
            1024.
        text_drop_path (float): DropPath rate of ``embed_text``. Defaults
            to 0.1 (official).
        decoder_depth (int): Two-way transformer depth. Defaults to 2.
        decoder_num_heads (int): Attention heads. Defaults to 8.
        decoder_mlp_dim (int): Transformer MLP width. Defaults to 1024.
        attention_downsample_rate (int): Cross-attention width divisor.
            Defaults to 2.
        num_multimask_outputs (int): Multimask slots. Defaults to 2.
        pe_scale (float): Scale of the Gaussian PE matrix. Defaults to 1.
        alpha_init (float): Initial blend weight. Defaults to 0.5.
        train_passes (int, optional): Decoding passes in training. Defaults
            to 1.
        test_passes (int, optional): Decoding passes in eval mode. Defaults
            to 5 (official) or ``train_passes`` (paper; must be equal).
        loss_decode (dict): Loss config; called as
            ``loss(outputs, seg_label, ignore_index=...)`` and returning a
            dict of losses. Defaults to ``dict(type='ChangeFineLoss')``.
        **kwargs: Other :class:`BaseDecodeHead` arguments (``ignore_index``,
            ``align_corners``, ``init_cfg``).
    """

    def __init__(self,
                 in_channels: int = 512,
                 channels: int = 512,
                 num_classes: int = 2,
                 mode: str = 'official',
                 text_dim: int = 512,
                 text_hidden_dim: int = 1024,
                 text_drop_path: float = 0.1,
                 decoder_depth: int = 2,
                 decoder_num_heads: int = 8,
                 decoder_mlp_dim: int = 1024,
                 attention_downsample_rate: int = 2,
                 num_multimask_outputs: int = 2,
                 pe_scale: float = 1.0,
                 alpha_init: float = 0.5,
                 train_passes: int = 1,
                 test_passes: Optional[int] = None,
                 loss_decode: ConfigType = dict(type='ChangeFineLoss'),
                 init_cfg: Optional[ConfigType] = None,
                 **kwargs) -> None:
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if num_classes != 2:
            raise ValueError('PromptChangeDecoder predicts binary change '
                             f'(num_classes=2), got num_classes={num_classes}')
        if channels != in_channels:
            raise ValueError(f'channels ({channels}) must equal in_channels '
                             f'({in_channels}): the decoder runs at the width '
                             'of dense_embed')
        if test_passes is None:
            test_passes = 5 if mode == 'official' else train_passes
        if min(train_passes, test_passes) < 1:
            raise ValueError(f'train_passes ({train_passes}) and test_passes '
                             f'({test_passes}) must be >= 1')
        if mode == 'paper' and train_passes != test_passes:
            raise ValueError(
                "mode='paper' decodes identically in training and testing; "
                f'got train_passes={train_passes}, test_passes={test_passes}')
        super().__init__(
            in_channels,
            channels,
            num_classes=num_classes,
            dropout_ratio=0,
            loss_decode=loss_decode,
            init_cfg=init_cfg,
            **kwargs)
        # mmseg's generic classifier is replaced by the official aux_head.
        del self.conv_seg
        self.mode = mode
        self.train_passes = train_passes
        self.test_passes = test_passes
        self.skip_empty = mode == 'official'

        self.aux_head = nn.Sequential(
            nn.Conv2d(in_channels, num_classes, kernel_size=1))
        self.embed_text = Mlp(
            text_dim, text_hidden_dim, channels, drop=text_drop_path)
        self.pe_encoder = PositionEmbeddingRandom(channels // 2, pe_scale)
        self.decoder = MultiMaskDecoder(
            transformer_dim=channels,
            depth=decoder_depth,
            num_heads=decoder_num_heads,
            mlp_dim=decoder_mlp_dim,
            attention_downsample_rate=attention_downsample_rate,
            num_multimask_outputs=num_multimask_outputs,
            num_classes=num_classes,
            keep_unused=mode == 'official')
        self.alpha = nn.Parameter(torch.tensor(float(alpha_init)))

    def forward(self, inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Coarse head, prompts and decoding passes.

        Args:
            inputs (dict): Neck output with ``dense_embed`` (B, C, h, w),
                ``text_from`` and ``text_to`` (B, K, text_dim).

        Returns:
            dict: ``pred`` final logits (B, 2, 4h, 4w), ``pred_aux`` coarse
            logits (B, 2, h, w), ``dense_embed`` (passed through for the
            contrast loss).
        """
        dense_embed, text_from, text_to = self._parse_inputs(inputs)
        coarse = self.aux_head(dense_embed)
        sparse = self.embed_text(text_difference(text_from, text_to)[2])
        passes = self.train_passes if self.training else self.test_passes
        pred = self.refine(dense_embed, sparse, coarse, passes)
        return dict(pred=pred, pred_aux=coarse, dense_embed=dense_embed)

    def refine(self, dense_embed: Tensor, sparse: Tensor, coarse: Tensor,
               passes: int) -> Tensor:
        """Run ``passes`` decoding passes from the coarse logits.

        Args:
            dense_embed (Tensor): (B, C, h, w).
            sparse (Tensor): Sparse prompt tokens (B, K, C).
            coarse (Tensor): Coarse logits (B, 2, h, w).
            passes (int): Number of passes.

        Returns:
            Tensor: ``alpha * fine + (1 - alpha) * up(coarse)`` of the last
            pass, (B, 2, 4h, 4w).
        """
        size = tuple(dense_embed.shape[-2:])
        up_coarse = self.upsample(coarse)
        image_pe = self.pe_encoder(size).unsqueeze(0)
        prompt = coarse
        for _ in range(passes):
            if tuple(prompt.shape[-2:]) != size:
                prompt = F.interpolate(
                    prompt, size=size, mode='bilinear', align_corners=False)
            fine = self.decode_pass(dense_embed, image_pe, sparse, prompt)
            prompt = self.alpha * fine + (1 - self.alpha) * up_coarse
        return prompt

    def upsample(self, logits: Tensor) -> Tensor:
        """Bilinear (align_corners False) upsampling to the fine size."""
        factor = self.decoder.upscale_factor
        return F.interpolate(
            logits, scale_factor=factor, mode='bilinear', align_corners=False)

    def decode_pass(self, dense_embed: Tensor, image_pe: Tensor,
                    sparse: Tensor, prompt: Tensor) -> Tensor:
        """One decoder call with the binary argmax mask of ``prompt``.

        In official mode, images whose mask has no changed pixel skip the
        decoder; their fine output is the upsampled prompt logits.

        Args:
            dense_embed (Tensor): (B, C, h, w).
            image_pe (Tensor): (1, C, h, w).
            sparse (Tensor): (B, K, C).
            prompt (Tensor): Prompt logits at the dense size (B, 2, h, w).

        Returns:
            Tensor: Fine logits (B, 2, 4h, 4w).
        """
        # Argmax carries no gradient: the dense prompt is a hard mask.
        mask = prompt.argmax(dim=1, keepdim=True).to(dense_embed.dtype)
        if not self.skip_empty:
            return self.decoder(dense_embed, image_pe, sparse, mask)
        if torch.jit.is_tracing():
            raise RuntimeError(
                'official-mode ChangeFine skips the decoder for images whose '
                'coarse mask is empty; a trace (ONNX export) would freeze '
                'that per-image choice. Export a paper-mode model '
                '(model.mode=paper)')
        changed = mask.flatten(1).any(dim=1)
        if bool(changed.all()):
            return self.decoder(dense_embed, image_pe, sparse, mask)
        fine = self.upsample(prompt)
        if bool(changed.any()):
            fine[changed] = self.decoder(dense_embed[changed], image_pe,
                                         sparse[changed],
                                         mask[changed]).to(fine.dtype)
        return fine

    def loss(self, inputs: Dict[str, Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        """Forward and loss.

        Args:
            inputs (dict): Neck output, see :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``.
            train_cfg (dict): Unused.

        Returns:
            dict[str, Tensor]: The losses of ``loss_decode`` and
            ``acc_seg``.
        """
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, outputs: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> dict:
        """Losses from the forward outputs.

        Args:
            outputs (dict): Output of :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: The losses of ``loss_decode`` and
            ``acc_seg``.
        """
        seg_label = self._stack_batch_gt(batch_data_samples).squeeze(1)
        losses = self.loss_decode(
            outputs, seg_label, ignore_index=self.ignore_index)
        with torch.no_grad():
            pred = F.interpolate(
                outputs['pred'], size=seg_label.shape[-2:],
                mode='bilinear', align_corners=self.align_corners)
            losses['acc_seg'] = accuracy(
                pred, seg_label, ignore_index=self.ignore_index)
        return losses

    def predict(self, inputs: Dict[str, Tensor], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        """Final logits resized to the (padded) input size.

        Args:
            inputs (dict): Neck output, see :meth:`forward`.
            batch_img_metas (list[dict]): Image metas (``img_shape``,
                ``pad_shape``).
            test_cfg (dict): Unused.

        Returns:
            Tensor: Logits (B, 2, H, W).
        """
        return self.predict_by_feat(self.forward(inputs)['pred'],
                                    batch_img_metas)

    @staticmethod
    def _parse_inputs(
            inputs: Dict[str, Tensor]) -> Tuple[Tensor, Tensor, Tensor]:
        if not isinstance(inputs, dict) or any(k not in inputs
                                               for k in INPUT_KEYS):
            got = sorted(inputs) if isinstance(inputs, dict) else type(inputs)
            raise KeyError('PromptChangeDecoder expects the neck output '
                           f'dict with keys {INPUT_KEYS}, got {got}')
        dense_embed, text_from, text_to = (inputs[k] for k in INPUT_KEYS)
        if text_from.shape != text_to.shape or text_from.dim() != 3:
            raise ValueError('text_from and text_to must both be (B, K, C), '
                             f'got {tuple(text_from.shape)} and '
                             f'{tuple(text_to.shape)}')
        if text_from.size(0) != dense_embed.size(0):
            raise ValueError(
                f'batch of text embeddings ({text_from.size(0)}) differs '
                f'from dense_embed ({dense_embed.size(0)})')
        return dense_embed, text_from, text_to
