"""ChangeFine: SAM-CLIP encoder, CPFM neck and prompt change decoder."""
import contextlib
import copy
import logging
from typing import Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.logging import print_log
from torch import Tensor, nn

from changefine_mm.models.utils.precision import (autocast_to, floats,
                                                  precision_dtype)
from changefine_mm.registry import MODELS
from .siam_encoder_decoder import SiamEncoderDecoder

MODES = ('paper', 'official')
# Layers whose weights bf16 autocast casts at every call (test_cfg
# inference_only stores them in bf16 instead).
PRODUCT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)
# The loss settings inside ChangeFineLoss that carry their own mode.
LOSS_PARTS = ('hybrid', 'contrast')


@MODELS.register_module()
class ChangeFine(SiamEncoderDecoder):
    """ChangeFine change detector (Deng et al., IEEE TGRS; official
    ``models/ChangeFine.py::ChangeFine`` of whudk/ChangeFine).

    * ``backbone``: :class:`SAMCLIPBackbone` (SCFE). Both dates go through
      it in **one** stacked batch ``[A; B]``: the frozen SAM and CLIP
      encoders have no batch-coupled layers, so this equals two calls,
      and in paper mode (learnable CoOp context) the text tower runs once
      per step instead of twice.
    * ``neck``: :class:`CPFMNeck` (4 CPFMs, score fusion, pseudo-pyramid
      UPerNet, MoE map fusion) -> ``dense_embed`` and both dates' text.
    * ``decode_head``: :class:`PromptChangeDecoder` (PCD) with
      :class:`ChangeFineLoss` (focal + Dice on both outputs, HSCM).

    Loss, whole/slide inference and post-processing are mmseg's.

    ``mode`` is given once, here, and written into the backbone, neck,
    decode head and loss configs; a part config that names another mode is
    an error, so the parts can never disagree. ``'official'`` reproduces
    the official code, ``'paper'`` follows the paper (docs/changefine.md
    lists every difference). The number of class prompts K of the neck's
    score fusion is taken from ``backbone.class_names`` the same way.

    Frozen SAM/CLIP weights are not in the state dict: they are read from
    ``backbone.sam_checkpoint`` / ``clip_checkpoint`` whenever the model is
    built. Without those files the encoders are random; ``init_seed`` then
    makes them the same in every process (training, testing, inference),
    so that checkpoints of such models (tests, the tiny demo) stay valid.

    Precision (docs/changefine.md, "Speed"): ``test_cfg.precision``
    ``'fp32'`` (default) or ``'bf16'`` runs the whole evaluation forward
    (``predict``, ``mode='tensor'`` in eval mode) under bf16 autocast, on
    CPU and GPU, stores the frozen SAM/CLIP image encoders in bf16 and the
    neck's and head's convolution weights channels-last; logits come back
    as float32. ``train_cfg.frozen_precision='bf16'``
    stores and runs those frozen encoders in bf16 for training too (no
    graph either way); the trainable parts follow the optimiser wrapper
    (``tools/train.py --amp``: bf16 autocast on CPU). bf16 in either
    setting gives the backbone ``frozen_precision='bf16'``. For a model
    that only runs inference (tools/test.py, tools/infer.py),
    ``test_cfg.inference_only=True`` with ``precision='bf16'`` also stores
    the linear and convolution weights of the trainable parts in bf16:
    autocast casts them at every call anyway, so the outputs are the same
    bit for bit, with less memory and no per-call casts; such a model
    refuses ``train()``.

    Args:
        backbone (dict): :class:`SAMCLIPBackbone` config (without ``mode``).
        neck (dict): :class:`CPFMNeck` config (without ``mode``).
        decode_head (dict): :class:`PromptChangeDecoder` config (without
            ``mode``).
        mode (str): ``'paper'`` (default) or ``'official'``.
        init_seed (int, optional): Seed of the model construction (all
            random initial weights). Needed only when a frozen encoder has
            no checkpoint file. The global random state is left untouched.
        **kwargs: See :class:`BiTemporalEncoderDecoder` (``train_cfg``,
            ``test_cfg``, ``data_preprocessor``, ``init_cfg``, ...).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 decode_head: dict,
                 mode: str = 'paper',
                 init_seed: Optional[int] = None,
                 **kwargs) -> None:
        if mode not in MODES:
            raise ValueError(f'ChangeFine: mode must be one of {MODES}, '
                             f'got {mode!r}')
        backbone = _with_value(backbone, 'mode', mode, 'backbone')
        neck = _with_value(neck, 'mode', mode, 'neck')
        if 'class_names' not in backbone:
            raise KeyError('ChangeFine: backbone.class_names (the CLIP '
                           'prompt classes) must be given')
        neck = _with_value(neck, 'num_classes',
                           len(backbone['class_names']), 'neck',
                           'the number of backbone.class_names')
        decode_head = self.decode_head_with_mode(decode_head, mode)
        eval_precision, frozen = _precisions(kwargs)
        backbone = _with_value(
            backbone, 'frozen_precision', frozen, 'backbone',
            'test_cfg.precision / train_cfg.frozen_precision')
        _warn_if_unreproducible(backbone, init_seed)
        with _seeded(init_seed):
            super().__init__(
                backbone=backbone,
                neck=neck,
                decode_head=decode_head,
                **kwargs)
        self.mode = mode
        self.eval_dtype = precision_dtype(eval_precision)
        self.inference_only = bool(
            (kwargs.get('test_cfg') or {}).get('inference_only', False))
        if self.eval_dtype == torch.bfloat16:
            # oneDNN's bf16 convolutions (UPerNet, MoE residual block, PCD
            # upscaling) run 10-20 % faster on NHWC weights; the model
            # output is the same up to rounding (docs/changefine.md).
            for part in (self.neck, self.decode_head):
                part.to(memory_format=torch.channels_last)
            if self.inference_only:
                _store_products_in(self, self.eval_dtype,
                                   skip=(self.backbone.text_encoder, ))

    @staticmethod
    def decode_head_with_mode(decode_head: dict, mode: str) -> dict:
        """The decode head config with ``mode`` written into the head, its
        loss and the loss's parts (a subclass with another head, e.g.
        :class:`ChangeFineSCD`, says where ChangeFine's head is)."""
        return _head_with_mode(decode_head, mode)

    def encode_dates(self, inputs: Tensor) -> Tuple[dict, dict]:
        """Run the backbone once on both dates stacked along the batch.

        Args:
            inputs (Tensor): Pairs (B, 6, H, W), date A channels first.

        Returns:
            tuple[dict, dict]: The backbone outputs of date A and date B
            (``feats``, ``score_map``, ``text``; batch B each).
        """
        img_from, img_to = self.split_dates(inputs)
        stacked = self.backbone(torch.cat([img_from, img_to], dim=0))
        return _split_halves(stacked)

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """mmseg's ``encode_decode`` at ``test_cfg.precision``.

        Args:
            inputs (Tensor): Pairs (B, 6, H, W).
            batch_img_metas (list[dict]): Image meta information.

        Returns:
            Tensor: Float32 logits at the input size.
        """
        with self._eval_autocast(inputs):
            return super().encode_decode(inputs, batch_img_metas).float()

    def _forward(self, inputs: Tensor,
                 data_samples: Optional[list] = None) -> Dict[str, Tensor]:
        """Head outputs without post-processing (``mode='tensor'``), at
        ``test_cfg.precision`` in eval mode; float32 tensors."""
        with self._eval_autocast(inputs):
            return floats(super()._forward(inputs, data_samples))

    def train(self, mode: bool = True) -> 'ChangeFine':
        """nn.Module's ``train``; refused for an ``inference_only`` model
        whose weights are stored in bf16."""
        if mode and getattr(self, 'inference_only', False) and \
                self.eval_dtype != torch.float32:
            raise RuntimeError(
                'ChangeFine: built with test_cfg.inference_only=True and '
                'precision bf16, its weights are stored in bf16 and cannot '
                'be trained; build it without test_cfg.inference_only')
        return super().train(mode)

    def _eval_autocast(self, inputs: Tensor):
        dtype = torch.float32 if self.training else self.eval_dtype
        return autocast_to(inputs.device.type, dtype)

    def extract_feat(self, inputs: Tensor) -> Dict[str, Tensor]:
        """Backbone on both dates, then the neck.

        Args:
            inputs (Tensor): Pairs (B, 6, H, W).

        Returns:
            dict: The neck output (``dense_embed``, ``text_from``,
            ``text_to``) for the decode head.
        """
        return self.neck(*self.encode_dates(inputs))


def _with_value(cfg: dict, key: str, value: object, part: str,
                why: str = 'the ChangeFine setting') -> dict:
    """Copy of ``cfg`` with ``key=value``; an existing other value is an
    error."""
    cfg = copy.deepcopy(cfg)
    if key in cfg and cfg[key] != value:
        raise ValueError(f'ChangeFine: {part}.{key}={cfg[key]!r} differs '
                         f'from {why} ({value!r}); leave {part}.{key} out, '
                         'ChangeFine sets it')
    cfg[key] = value
    return cfg


def _head_with_mode(decode_head: dict, mode: str) -> dict:
    """Write ``mode`` into the head, its loss and the loss's parts."""
    head = _with_value(decode_head, 'mode', mode, 'decode_head')
    loss = _with_value(
        head.get('loss_decode', dict(type='ChangeFineLoss')), 'mode', mode,
        'decode_head.loss_decode')
    for part in LOSS_PARTS:
        if isinstance(loss.get(part), dict):
            loss[part] = _with_value(loss[part], 'mode', mode,
                                     f'decode_head.loss_decode.{part}')
    head['loss_decode'] = loss
    return head


def _precisions(kwargs: dict) -> Tuple[str, str]:
    """``test_cfg.precision`` and the frozen encoders' precision (bf16 if
    it or ``train_cfg.frozen_precision`` asks for bf16), both checked."""
    test = (kwargs.get('test_cfg') or {}).get('precision', 'fp32')
    train = (kwargs.get('train_cfg') or {}).get('frozen_precision', 'fp32')
    for value, name in ((test, 'test_cfg.precision'),
                        (train, 'train_cfg.frozen_precision')):
        precision_dtype(value, f'ChangeFine {name}')
    return test, 'bf16' if 'bf16' in (test, train) else 'fp32'


def _store_products_in(model: nn.Module, dtype: torch.dtype,
                       skip: Tuple[nn.Module, ...]) -> None:
    """Store the weights and biases of ``model``'s linear and convolution
    layers (outside ``skip``) in ``dtype``: autocast casts them to it at
    every call anyway, so the outputs are the same bit for bit, with half
    their memory and no per-call casts."""
    skipped = {id(m) for part in skip for m in part.modules()}
    for module in model.modules():
        if isinstance(module, PRODUCT_LAYERS) and id(module) not in skipped:
            module.to(dtype)


def _warn_if_unreproducible(backbone: dict, init_seed: Optional[int]) -> None:
    missing = [key for key in ('sam_checkpoint', 'clip_checkpoint')
               if backbone.get(key) is None]
    if missing and init_seed is None:
        print_log(
            f'ChangeFine: no {" / ".join(missing)} file and no init_seed: '
            'the random frozen encoders are not stored in checkpoints and '
            'will differ in the next process; set model.init_seed for '
            'reusable checkpoints', logger='current', level=logging.WARNING)


@contextlib.contextmanager
def _seeded(seed: Optional[int]) -> Iterator[None]:
    """Seed torch's CPU generator inside the block, then restore it."""
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _split_halves(stacked: object) -> Tuple[object, object]:
    """Split every tensor of a nested dict/list along the batch in two."""
    if isinstance(stacked, Tensor):
        first, second = stacked.chunk(2, dim=0)
        return first, second
    if isinstance(stacked, dict):
        pairs = {k: _split_halves(v) for k, v in stacked.items()}
        return ({k: v[0] for k, v in pairs.items()},
                {k: v[1] for k, v in pairs.items()})
    if isinstance(stacked, (list, tuple)):
        halves = [_split_halves(v) for v in stacked]
        return [h[0] for h in halves], [h[1] for h in halves]
    raise TypeError('ChangeFine: unexpected backbone output of type '
                    f'{type(stacked).__name__}')
