"""SAMCLIPBackbone: ChangeFine's SAM-CLIP Feature Encoder (SCFE)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from changefine_mm.models.utils.clip_loading import CLIPArch, load_clip
from changefine_mm.models.utils.frozen_pretrained import freeze_pretrained
from changefine_mm.models.utils.precision import (autocast_to,
                                                  precision_dtype)
from changefine_mm.models.utils.sam_loading import (SAMEncoderArch,
                                                    load_sam_image_encoder)
from changefine_mm.models.utils.traceable_sam_block import (
    traceable_sam_block, use_fused_attention)
from changefine_mm.registry import MODELS
from .clip_dense_encoder import CLIPDenseEncoder
from .clip_text_prompt import CLIPTextEncoder, CoOpPromptLearner
from .sam_clip_fusion import SAMCLIPFusion

MODES = ('paper', 'official')

# Official ChangeFine state-dict names of the SCFE -> names in this module.
OFFICIAL_SCFE_PREFIXES = (
    ('norm_sam.', 'fusion.norm_sam.'),
    ('gamma', 'fusion.gamma'),
    ('context_visual_attn.', 'fusion.context_visual_attn.'),
    ('cross_clip_sam.', 'fusion.cross_clip_sam.'),
    ('embed_img_t.', 'fusion.embed_img_t.'),
    ('prompt_learner.ctx', 'prompt_learner.ctx'),
    ('clip_image_encoder.adapters.', 'clip_image_encoder.adapters.'),
)
# Official entries recomputed from the current class names instead.
OFFICIAL_SCFE_DROPPED = ('prompt_learner.token_prefix',
                         'prompt_learner.token_suffix')


def official_scfe_key(key: str) -> Optional[str]:
    """Name in :class:`SAMCLIPBackbone` of an official SCFE state-dict key.

    Args:
        key (str): A key of an official ChangeFine checkpoint, e.g.
            ``'cross_clip_sam.decoder.0.norm1.weight'``.

    Returns:
        str | None: The key relative to the backbone (e.g.
        ``'fusion.cross_clip_sam.decoder.0.norm1.weight'``), or None for
        keys that are not SCFE weights or that are dropped
        (:data:`OFFICIAL_SCFE_DROPPED`).
    """
    if key in OFFICIAL_SCFE_DROPPED:
        return None
    for official, ours in OFFICIAL_SCFE_PREFIXES:
        if key == official or (official.endswith('.')
                               and key.startswith(official)):
            return ours + key[len(official):]
    return None


@MODELS.register_module()
class SAMCLIPBackbone(BaseModule):
    """SAM-CLIP Feature Encoder of ChangeFine (paper SCFE, spec 2.1).

    Official ``ChangeFine.SCFE`` with prompt mode ``clipsam``, the prompt
    learner and the text encoder. Applied to one date at a time:

    * frozen SAM ViT image encoder, run without autograd; the pre-neck maps
      after ``sam_out_indices`` are tapped (SAM's neck is never run); the
      absolute positional embedding is bilinearly resized to the token grid
      and the global blocks' relative-position tables are resized by SAM's
      own ``get_rel_pos``, so any input size divisible by the patch size
      works;
    * frozen CLIP ViT (:class:`CLIPDenseEncoder`), run without autograd:
      global [B, E] and local [B, E, h, w] embeddings;
    * CLIP text tower on CoOp prompts ``[SOS] X X X X <class>. [EOS]``
      (:class:`CoOpPromptLearner`, :class:`CLIPTextEncoder`);
    * trainable fusion (:class:`SAMCLIPFusion`) adding CLIP semantics to the
      last SAM map.

    While tracing (ONNX export) the SAM blocks run through
    :func:`~changefine_mm.models.utils.traceable_sam_block.traceable_sam_block`,
    which equals them and keeps their sizes dynamic.

    Modes:

    * ``'official'``: as the official code runs. The CoOp context is frozen
      (the official text encoder runs under ``no_grad``, so it never
      trains); the CLS positional term holds the class embedding twice; CLIP
      adapters with random, never-trained weights follow every block;
      ``embed_img_t`` uses DropPath.
    * ``'paper'``: the CoOp context really learns (gradients reach ``ctx``
      through the frozen text tower); no double class embedding; no
      adapters (see :class:`CLIPDenseEncoder`); ``embed_img_t`` uses element
      dropout. The text tower sees the prompts only up to their last
      end-of-text token (it is causal: the same embeddings to float
      rounding, at a fraction of the cost of all 77 positions).

    Text embeddings: when ``ctx`` is frozen, or gradients are off (e.g. in
    validation), they are computed once and cached; the cache is keyed on
    ``ctx``'s version counter, storage and device (and on inference mode),
    so in-place updates (optimizer steps, ``load_state_dict``) and device
    moves recompute them.
    With a learnable ``ctx`` and gradients on, they are recomputed at every
    call (the graph is needed); call the backbone once on both dates stacked
    to share that cost.

    State dict: the frozen SAM and CLIP weights are not stored (they come
    from ``sam_checkpoint`` / ``clip_checkpoint`` when the model is built);
    loading a state dict without them works with ``strict=True``. ``ctx``,
    the official-mode adapters and the fusion are stored. Official key names
    map to this module with :func:`official_scfe_key`.

    Args:
        class_names (Sequence[str]): Class names of the prompts (K = len).
        mode (str): 'paper' or 'official'. Defaults to 'paper'.
        sam_checkpoint (str, optional): Meta's SAM file
            (``sam_vit_b_01ec64.pth``). None: random weights (warning).
        clip_checkpoint (str, optional): OpenAI's ``ViT-B-16.pt`` (or an
            OpenAI-layout / open_clip checkpoint). None: random weights
            (warning).
        sam_arch (dict, optional): :class:`SAMEncoderArch` fields. Defaults
            to SAM ViT-B.
        sam_out_indices (Sequence[int]): SAM blocks whose outputs are
            returned; the last one is fused. Defaults to (3, 5, 7, 11).
        clip_arch (dict, optional): :class:`CLIPArch` fields; checked against
            the file when one is given. Defaults to ViT-B/16 without a file
            and to the file's dimensions with one.
        clip_quick_gelu (bool): QuickGELU in CLIP (True for OpenAI weights).
        clip_input_size (int): Input size the CLIP positional embedding is
            resized to when built (official: the training crop size).
            Defaults to 256.
        n_ctx (int): CoOp context length. Defaults to 4.
        ctx_init_std (float): Std of the context initialisation. Defaults
            to 0.02.
        fusion_heads (int): Heads of the fusion decoders. Defaults to 8.
        fusion_layers (int): Layers of ``cross_clip_sam``. Defaults to 6.
        text_refine_layers (int): Layers of ``context_visual_attn``.
            Defaults to 1.
        gamma_init (float): Initial text-refinement scale. Defaults to 1e-4.
        drop (float): Dropout of the fusion decoders ``context_visual_attn``
            and ``cross_clip_sam`` (official: fixed 0.1). Defaults to 0.1.
        embed_drop (float): Dropout (paper) / DropPath (official) rate of
            ``embed_img_t`` (official: the config's proj_drop). Defaults to
            0.1.
        fused_attention (bool): Run the SAM and CLIP attention through
            ``F.scaled_dot_product_attention`` (SAM's relative-position
            term as its additive mask). Equal to the eager computation up
            to float rounding, and faster; False runs the encoders' own
            modules. Defaults to True.
        frozen_precision (str): ``'fp32'`` or ``'bf16'``: weights and
            compute of the frozen SAM and CLIP image encoders. bf16 halves
            their memory and, on CPUs with AVX512-BF16 and on GPUs, runs
            them several times faster; their outputs are cast back to
            float32 (docs/changefine.md gives the output agreement). The
            text tower always runs in float32 (it runs once and is cached).
            Defaults to 'fp32'.
        init_cfg (dict, optional): mmengine init config of the fusion.
    """

    def __init__(self,
                 class_names: Sequence[str],
                 mode: str = 'paper',
                 sam_checkpoint: Optional[str] = None,
                 clip_checkpoint: Optional[str] = None,
                 sam_arch: Optional[dict] = None,
                 sam_out_indices: Sequence[int] = (3, 5, 7, 11),
                 clip_arch: Optional[dict] = None,
                 clip_quick_gelu: bool = True,
                 clip_input_size: int = 256,
                 n_ctx: int = 4,
                 ctx_init_std: float = 0.02,
                 fusion_heads: int = 8,
                 fusion_layers: int = 6,
                 text_refine_layers: int = 1,
                 gamma_init: float = 1e-4,
                 drop: float = 0.1,
                 embed_drop: float = 0.1,
                 fused_attention: bool = True,
                 frozen_precision: str = 'fp32',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        official = mode == 'official'

        sam_arch = SAMEncoderArch(**(sam_arch or {}))
        self.sam_out_indices = _check_indices(sam_out_indices, sam_arch.depth)
        self.patch_size = sam_arch.patch_size
        self.image_encoder = freeze_pretrained(
            load_sam_image_encoder(sam_checkpoint, sam_arch,
                                   config_key='sam_checkpoint'))

        clip = load_clip(clip_checkpoint,
                         CLIPArch(**clip_arch) if clip_arch else None,
                         clip_quick_gelu, config_key='clip_checkpoint')
        _check_clip_patch(clip, self.patch_size)
        grid = clip_input_size // self.patch_size
        self.clip_image_encoder = CLIPDenseEncoder(
            clip.visual, (grid, grid), official, fused_attention)
        self.fused_attention = fused_attention
        if fused_attention:
            use_fused_attention(self.image_encoder.blocks)
        self.text_encoder = freeze_pretrained(CLIPTextEncoder(clip))
        self.prompt_learner = CoOpPromptLearner(
            class_names, clip.token_embedding, clip.context_length, n_ctx,
            ctx_init_std, learnable=not official)
        self.class_names = tuple(class_names)
        self.fusion = SAMCLIPFusion(
            sam_dim=sam_arch.embed_dim,
            clip_dim=clip.text_projection.shape[1],
            num_classes=len(class_names),
            num_heads=fusion_heads,
            num_layers=fusion_layers,
            text_refine_layers=text_refine_layers,
            gamma_init=gamma_init,
            drop=drop,
            embed_drop=embed_drop,
            mode=mode)
        self._text_cache: Optional[Tuple[tuple, torch.Tensor]] = None
        self.frozen_dtype = precision_dtype(frozen_precision,
                                            'frozen_precision')
        self.image_encoder.to(self.frozen_dtype)
        self.clip_image_encoder.to(self.frozen_dtype)

    def forward(self, x: torch.Tensor) -> Dict[str, object]:
        """Encode the images of one date.

        Args:
            x (Tensor): Normalised images [B, 3, H, W], H and W multiples of
                the patch size (16).

        Returns:
            dict: ``feats``: list of the SAM maps [B, C_sam, H/16, W/16]
            after ``sam_out_indices`` (the last one fused with CLIP);
            ``score_map``: [B, H/16 * W/16, K] (row-major tokens);
            ``text``: refined class embeddings [B, K, E].
        """
        self._check_input(x)
        with torch.no_grad(), autocast_to(x.device.type, self.frozen_dtype):
            sam_feats = [f.float() for f in self._sam_features(x)]
            clip_global, clip_local = (
                f.float() for f in self.clip_image_encoder(x))
        fused, score_map, text = self.fusion(sam_feats[-1], clip_global,
                                             clip_local,
                                             self.class_text_embeddings())
        return dict(feats=sam_feats[:-1] + [fused], score_map=score_map,
                    text=text)

    def class_text_embeddings(self) -> torch.Tensor:
        """CLIP embeddings of the class prompts [K, E] (cached, see class
        doc)."""
        ctx = self.prompt_learner.ctx
        if ctx.requires_grad and torch.is_grad_enabled():
            return self._encode_prompts()
        # Inference-mode tensors cannot enter autograd graphs later on.
        key = (ctx._version, ctx.data_ptr(), ctx.device, ctx.dtype,
               torch.is_inference_mode_enabled())
        if self._text_cache is None or self._text_cache[0] != key:
            with torch.no_grad():
                self._text_cache = (key, self._encode_prompts())
        return self._text_cache[1]

    def train(self, mode: bool = True) -> 'SAMCLIPBackbone':
        """Set training mode; the frozen encoders stay in eval mode."""
        super().train(mode)
        for module in (self.image_encoder, self.clip_image_encoder,
                       self.text_encoder):
            module.eval()
        return self

    def _encode_prompts(self) -> torch.Tensor:
        # The text tower runs in float32 even under AMP: it is small, and
        # the cached result must not depend on the autocast state.
        learner = self.prompt_learner
        prompts = learner()
        if self.mode == 'paper':
            # Equal up to float rounding and several times cheaper (the
            # tower is causal); paper-mode training runs it every step.
            prompts = prompts[:, :learner.used_length]
        with torch.autocast(learner.ctx.device.type, enabled=False):
            return self.text_encoder(prompts, learner.eot_indices)

    def _sam_features(self, x: torch.Tensor) -> List[torch.Tensor]:
        encoder = self.image_encoder
        tokens = encoder.patch_embed(x)
        # Contiguous once: the patch embedding is a permuted NCHW map, and
        # every block's norms and residual sums would otherwise copy it.
        tokens = (tokens + _resize_grid(encoder.pos_embed,
                                        tokens.shape[1:3])).contiguous()
        # SAM's blocks turn sizes into Python numbers; an ONNX trace runs
        # the equal, size-agnostic form so the graph works at any size.
        tracing = torch.jit.is_tracing()
        feats = []
        for i, block in enumerate(encoder.blocks[:self.sam_out_indices[-1] +
                                                 1]):
            tokens = traceable_sam_block(block, tokens) if tracing else \
                block(tokens)
            if i in self.sam_out_indices:
                feats.append(tokens.permute(0, 3, 1, 2).contiguous())
        return feats

    def _check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError('SAMCLIPBackbone expects images [B, 3, H, W], '
                             f'got {tuple(x.shape)}')
        if x.shape[2] % self.patch_size or x.shape[3] % self.patch_size:
            raise ValueError(
                f'SAMCLIPBackbone input size {tuple(x.shape[2:])} is not a '
                f'multiple of the patch size {self.patch_size}')


def _resize_grid(pos_embed: torch.Tensor,
                 size: Tuple[int, int]) -> torch.Tensor:
    """Bilinearly resize a [1, h, w, C] positional embedding to ``size``.

    No shortcut for an equal size (resizing to it returns the input): a
    size test would be frozen by an ONNX trace.
    """
    grid = F.interpolate(pos_embed.permute(0, 3, 1, 2), size=tuple(size),
                         mode='bilinear', align_corners=False)
    return grid.permute(0, 2, 3, 1)


def _check_indices(indices: Sequence[int], depth: int) -> Tuple[int, ...]:
    indices = tuple(int(i) for i in indices)
    if not indices or list(indices) != sorted(set(indices)) or \
            indices[0] < 0 or indices[-1] >= depth:
        raise ValueError(f'sam_out_indices {indices} must be increasing '
                         f'block indices of a {depth}-block SAM encoder')
    return indices


def _check_clip_patch(clip: nn.Module, patch_size: int) -> None:
    conv = getattr(clip.visual, 'conv1', None)
    if not isinstance(conv, nn.Conv2d) or conv.stride[0] != patch_size \
            or not hasattr(clip.visual, 'proj'):
        raise ValueError(
            'SAMCLIPBackbone needs a CLIP ViT with patch size '
            f'{patch_size} (same token grid as SAM); got '
            f'{type(clip.visual).__name__}')
