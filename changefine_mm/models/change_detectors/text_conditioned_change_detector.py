"""TextConditionedChangeDetector: change detection guided by CLIP prompts."""
from typing import Dict, List, Optional, Sequence, Tuple

import open_clip
import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.registry import DefaultScope
from mmseg.models.utils import SELayer
from mmseg.utils import OptSampleList, SampleList
from torch import nn

from changefine_mm.registry import MODELS
from .bitemporal_encoder_decoder import BiTemporalEncoderDecoder

MODES = ('fixed', 'official')
HeadInputs = Tuple[List[torch.Tensor], torch.Tensor, torch.Tensor]


@MODELS.register_module()
class TextConditionedChangeDetector(BiTemporalEncoderDecoder):
    """A change detector guided by CLIP text prompts of both dates.

    The detector of ChangeCLIP (Dong et al., ISPRS J. P&RS 208, 2024;
    official class ``ChangeCLIP`` in ``mmseg/models/segmentors/
    ChangeCLIPCD.py``), which CLIPFormer reuses with other parts plugged in
    (its released configs name the model type ``ChangeCLIP`` too). The
    image encoder, the change cue and the decoder blocks are configs; the
    methods' own modules live in ``projects/changeclip`` and
    ``projects/clipformer``.

    For each date the shared image encoder gives four feature maps plus
    global and dense embeddings; the date's two prompts ("<background>",
    "<foreground>, <top-k CLIP classes>") go through the text encoder with
    learnable context, are refined by the context decoder and added with
    weight ``gamma``; their cosine score maps with the dense embedding are
    concatenated to level ``score_concat_index``. The levels of both dates
    are concatenated and fused by the neck (FPN); per level, a change cue
    (``change_cue``), ``|A - B|`` through a 1x1 conv and the fused map are
    concatenated and reduced by squeeze-and-excitation plus a 1x1 conv.
    The text-conditioned head gets these maps and both dates' prompt
    embeddings.

    Class names come from ``metainfo['prompt_classes']`` (see
    :class:`CLIPPromptDataset`), or, with ``tile_prompts``, from CLIP
    zero-shot classification of the very pixels being predicted: in
    ``slide`` test mode that rebuilds the prompts for every window
    (CLIPFormer's ``mm_slide_inference``).

    ``mode='official'`` reproduces the published evaluation path, where
    date B's foreground prompt is built from date A's classes
    (``get_cls_text``, ``train=False``); ``'fixed'`` (default) prompts each
    date with its own classes. Training is the same in both modes.

    Args:
        backbone (dict): Image encoder returning 4 levels and the pair
            (global, dense) embeddings.
        text_encoder (dict): :class:`CLIPTextContextEncoder` config.
        context_decoder (dict): :class:`ContextDecoder` config.
        decode_head (dict): Head taking (levels, text A, text B).
        neck (dict): Fuses the concatenated levels (e.g. mmseg ``FPN``);
            its ``out_channels`` must equal ``fusion_channels``.
        minus_channels (sequence[int]): Channels of each level of one date
            (with the score maps at ``score_concat_index``).
        change_cue (dict): Module called as ``cue(levels_a, levels_b,
            fused)`` that returns one change cue per level (``channels``
            wide, the fusion width) and a list of extra finer levels for
            the head (e.g. ChangeCLIP's ``CosineChangeGate``, CLIPFormer's
            ``DifferencePyramid``).
        score_concat_index (int): Level receiving the score maps; it must
            have the dense embedding's size. Defaults to 3.
        fusion_channels (int): Width of the ``|A - B|`` convs and of the
            fused output. Defaults to 256.
        prompt_templates (dict): ``background`` and ``foreground`` sentence
            starts; the class names follow the foreground one.
        mode (str): 'fixed' or 'official' (see above).
        tile_prompts (dict, optional): ``classifier`` (a
            :class:`CLIPZeroShotClassifier` config) and ``topk``; at test
            time the prompts come from the pixels instead of the metainfo.
        **kwargs: ``train_cfg``, ``test_cfg``, ``data_preprocessor``,
            ``init_cfg``.
    """

    def __init__(self,
                 backbone: dict,
                 text_encoder: dict,
                 context_decoder: dict,
                 decode_head: dict,
                 neck: dict,
                 minus_channels: Sequence[int],
                 change_cue: dict,
                 score_concat_index: int = 3,
                 fusion_channels: int = 256,
                 prompt_templates: Dict[str, str] = dict(
                     background='remote sensing image background objects',
                     foreground='remote sensing image foreground objects'),
                 mode: str = 'fixed',
                 tile_prompts: Optional[dict] = None,
                 **kwargs) -> None:
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if kwargs.get('auxiliary_head') is not None:
            raise ValueError(f'{type(self).__name__} has no auxiliary head')
        if neck.get('out_channels') != fusion_channels:
            raise ValueError(
                f'neck out_channels ({neck.get("out_channels")}) must equal '
                f'fusion_channels ({fusion_channels})')
        if set(prompt_templates) != {'background', 'foreground'}:
            raise ValueError('prompt_templates needs exactly the keys '
                             f"'background' and 'foreground', got "
                             f'{sorted(prompt_templates)}')
        if tile_prompts is not None and set(tile_prompts) != {
                'classifier', 'topk'
        }:
            raise ValueError("tile_prompts needs exactly 'classifier' and "
                             f"'topk', got {sorted(tile_prompts)}")
        super().__init__(
            backbone=backbone, decode_head=decode_head, neck=neck, **kwargs)
        with DefaultScope.overwrite_default_scope('changefine_mm'):
            self.text_encoder = MODELS.build(text_encoder)
            self.context_decoder = MODELS.build(context_decoder)
            self.change_cue = MODELS.build(change_cue)
        cue_channels = getattr(self.change_cue, 'channels', fusion_channels)
        if cue_channels != fusion_channels:
            raise ValueError(f'change_cue gives {cue_channels} channels, but '
                             f'fusion_channels is {fusion_channels}')
        self.score_concat_index = score_concat_index
        self.prompt_templates = dict(prompt_templates)
        self.mode = mode
        self.tile_prompts = tile_prompts
        self.gamma = nn.Parameter(
            torch.full((self.text_encoder.embed_dim, ), 1e-4))
        self.minus_convs = nn.ModuleList(
            ConvModule(c, fusion_channels, 1) for c in minus_channels)
        self.fusions = nn.ModuleList(
            nn.Sequential(
                SELayer(3 * fusion_channels),
                ConvModule(3 * fusion_channels, fusion_channels, 1))
            for _ in minus_channels)
        # Built on first use: the tile classifier is a frozen, separately
        # loaded CLIP model.
        self._tile_classifier: Optional[nn.Module] = None

    # ----------------------------------------------------------- prompts
    def prompt_texts(self, class_names: Sequence[str]) -> List[str]:
        """The background and foreground prompts of one image.

        Args:
            class_names (sequence[str]): The image's top-k class names.

        Returns:
            list[str]: ``[background, 'foreground, name1, name2, ...']``.
        """
        return [
            self.prompt_templates['background'],
            ', '.join([self.prompt_templates['foreground'], *class_names])
        ]

    def _tokens(self, names: Sequence[Sequence[str]],
                device: torch.device) -> torch.Tensor:
        texts = [t for image_names in names
                 for t in self.prompt_texts(image_names)]
        tokens = open_clip.tokenize(
            texts, context_length=self.text_encoder.token_length)
        return tokens.view(len(names), 2, -1).to(device)

    def date_class_names(
            self, batch_img_metas: Sequence[dict],
            training: bool) -> Tuple[List[List[str]], List[List[str]]]:
        """Class names prompting date A and date B, from the metainfo.

        Args:
            batch_img_metas (sequence[dict]): Sample metainfo with
                ``prompt_classes = [names_A, names_B]``.
            training (bool): Whether this is the training path (the
                official mode only changes the evaluation path).

        Returns:
            tuple[list, list]: Names per image for date A and date B.
        """
        missing = [i for i, m in enumerate(batch_img_metas)
                   if 'prompt_classes' not in m]
        if missing:
            raise KeyError(
                f'samples {missing} lack metainfo "prompt_classes": wrap the '
                'dataset in CLIPPromptDataset, or set tile_prompts')
        names_a = [list(m['prompt_classes'][0]) for m in batch_img_metas]
        names_b = [list(m['prompt_classes'][1]) for m in batch_img_metas]
        return names_a, self._official_swap(names_a, names_b, training)

    def _official_swap(self, names_a: List[List[str]],
                       names_b: List[List[str]],
                       training: bool) -> List[List[str]]:
        if self.mode == 'official' and not training:
            return names_a
        return names_b

    def _tile_class_names(
            self,
            inputs: torch.Tensor) -> Tuple[List[List[str]], List[List[str]]]:
        if self._tile_classifier is None:
            # Not a registered submodule: kept out of the state dict.
            object.__setattr__(self, '_tile_classifier',
                               MODELS.build(
                                   self.tile_prompts['classifier']).eval())
        classifier = self._tile_classifier.to(inputs.device)
        pixels = inputs * self.data_preprocessor.std + \
            self.data_preprocessor.mean
        # CLIP needs RGB; without bgr_to_rgb the pixels are still BGR.
        if not getattr(self.data_preprocessor, 'swap_channel_order', False):
            pixels = pixels[:, [2, 1, 0, 5, 4, 3]]
        topk = self.tile_prompts['topk']
        names_a, names_b = (classifier.top_classes(date, topk)
                            for date in self.split_dates(pixels))
        return names_a, self._official_swap(names_a, names_b, False)

    # ---------------------------------------------------------- features
    def _language_guided(self, feats: Sequence,
                         tokens: torch.Tensor
                         ) -> Tuple[List[torch.Tensor], torch.Tensor]:
        """Prompt embeddings of one date and its levels with score maps."""
        levels = list(feats[:-1])
        global_feat, dense = feats[-1]
        visual = torch.cat(
            [global_feat[:, None], dense.flatten(2).transpose(1, 2)], dim=1)
        text = self.text_encoder(tokens)
        text = text + self.gamma * self.context_decoder(text, visual)
        score = torch.einsum('bchw,bkc->bkhw', F.normalize(dense, dim=1),
                             F.normalize(text, dim=2))
        target = levels[self.score_concat_index]
        if target.shape[2:] != score.shape[2:]:
            raise ValueError(
                f'score maps are {tuple(score.shape[2:])} but level '
                f'{self.score_concat_index} is {tuple(target.shape[2:])}: '
                'set score_concat_index to the level of the dense embedding')
        levels[self.score_concat_index] = torch.cat([target, score], dim=1)
        return levels, text

    def fuse_features(self, inputs: torch.Tensor,
                      names_a: Sequence[Sequence[str]],
                      names_b: Sequence[Sequence[str]]) -> HeadInputs:
        """Encode both dates with their prompts and fuse them.

        Args:
            inputs (Tensor): (B, 6, H, W) normalised pair.
            names_a (sequence[sequence[str]]): Date A's class names.
            names_b (sequence[sequence[str]]): Date B's class names.

        Returns:
            tuple: Head inputs (extra finer levels, then one map per level,
            fine to coarse), date A's and date B's prompt embeddings.
        """
        img_a, img_b = self.split_dates(inputs)
        levels_a, text_a = self._language_guided(
            self.backbone(img_a), self._tokens(names_a, inputs.device))
        levels_b, text_b = self._language_guided(
            self.backbone(img_b), self._tokens(names_b, inputs.device))
        fused = self.neck(
            [torch.cat([a, b], dim=1) for a, b in zip(levels_a, levels_b)])
        cues, extra = self.change_cue(levels_a, levels_b, fused)
        maps = [
            fusion(torch.cat([cue, minus(torch.abs(a - b)), x], dim=1))
            for fusion, minus, cue, a, b, x in zip(
                self.fusions, self.minus_convs, cues, levels_a, levels_b,
                fused)
        ]
        return list(extra) + maps, text_a, text_b

    def extract_feat(self, inputs: torch.Tensor,
                     batch_img_metas: Optional[Sequence[dict]] = None
                     ) -> HeadInputs:
        """Head inputs at test time (prompts from metainfo or pixels)."""
        if self.tile_prompts is not None:
            names_a, names_b = self._tile_class_names(inputs)
        else:
            names_a, names_b = self.date_class_names(batch_img_metas or [],
                                                     training=False)
        return self.fuse_features(inputs, names_a, names_b)

    # ------------------------------------------------------ mmseg hooks
    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """Losses of a batch; prompts always come from the metainfo."""
        names_a, names_b = self.date_class_names(
            [s.metainfo for s in data_samples], training=True)
        return self._decode_head_forward_train(
            self.fuse_features(inputs, names_a, names_b), data_samples)

    def encode_decode(self, inputs: torch.Tensor,
                      batch_img_metas: List[dict]) -> torch.Tensor:
        """Logits of a batch (or of one sliding window)."""
        return self.decode_head.predict(
            self.extract_feat(inputs, batch_img_metas), batch_img_metas,
            self.test_cfg)

    def _forward(self,
                 inputs: torch.Tensor,
                 data_samples: OptSampleList = None) -> torch.Tensor:
        """Raw head output (tensor mode)."""
        metas = [s.metainfo for s in data_samples] if data_samples else []
        return self.decode_head.forward(self.extract_feat(inputs, metas))
