"""ChangePredictor: any config + checkpoint -> change mask of a pair."""
import copy
import logging
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope

import changefine_mm
from changefine_mm.datasets.transforms import encode_binary_label
from changefine_mm.registry import MODELS, TRANSFORMS
from changefine_mm.utils import load_checkpoint_file, state_dict_mismatch
from changefine_mm.visualization import overlay_changes

_FILE_LOADER = 'MultiImgLoadImageFromFile'
_ARRAY_LOADER = 'MultiImgLoadImageFromNDArray'
_LABEL_LOADER = 'MultiImgLoadAnnotations'
_PACKER = 'MultiImgPackSegInputs'


@dataclass
class ChangePrediction:
    """What the predictor returns for one pair.

    Args:
        probability (np.ndarray): (H, W) float32 change probability.
        mask (np.ndarray): (H, W) uint8, 1 where probability >= threshold.
        overlay (np.ndarray): (H, W, 3) uint8 RGB date B with the changes
            painted (TP green / FP yellow / FN red with a label, red
            without).
    """
    probability: np.ndarray
    mask: np.ndarray
    overlay: np.ndarray


def as_rgb(image: Optional[np.ndarray], name: str) -> np.ndarray:
    """An uploaded image as (H, W, 3) uint8 RGB.

    Args:
        image (np.ndarray, optional): Gray, RGB or RGBA array.
        name (str): What the image is, for error messages.

    Returns:
        np.ndarray: The RGB image.

    Raises:
        ValueError: If the image is missing, not an image array, or not
            8-bit.
    """
    if image is None:
        raise ValueError(f'{name} is missing: upload both images')
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f'{name} must be a gray, RGB or RGBA image, got an '
                         f'array of shape {image.shape}')
    if image.dtype != np.uint8:
        # Never cut 16-bit or float pixels to 8 bits behind the user's back.
        raise ValueError(
            f'{name} has {image.dtype} pixels; the demo takes 8-bit images. '
            'Run tools/infer.py with --scale on 16-bit or float imagery '
            '(docs/real_imagery.md)')
    return np.ascontiguousarray(image[..., :3])


def inference_pipeline(test_pipeline: Sequence[dict],
                       meta_keys: Sequence[str] = ()) -> List[dict]:
    """A config's test pipeline adapted to in-memory images.

    Images come from arrays instead of files and no label is loaded; the
    packer also keeps ``meta_keys`` (e.g. 'prompt') in the metainfo.

    Args:
        test_pipeline (sequence[dict]): The config's test pipeline.
        meta_keys (sequence[str]): Extra metainfo keys to keep.

    Returns:
        list[dict]: The adapted pipeline.
    """
    steps = []
    for step in copy.deepcopy(list(test_pipeline)):
        kind = step['type'].split('.')[-1]
        if kind == _LABEL_LOADER:
            continue
        if kind == _FILE_LOADER:
            step = dict(type=_ARRAY_LOADER)
        if kind == _PACKER and meta_keys:
            keys = list(step.get('meta_keys', ('img_path', 'ori_shape',
                                               'img_shape', 'pad_shape',
                                               'scale_factor', 'flip',
                                               'flip_direction')))
            step['meta_keys'] = tuple(keys + [k for k in meta_keys
                                              if k not in keys])
        steps.append(step)
    if not any(s['type'].split('.')[-1] == _ARRAY_LOADER for s in steps):
        steps.insert(0, dict(type=_ARRAY_LOADER))
    return steps


class ChangePredictor:
    """Run a change detector from a config and a checkpoint on image pairs.

    Works with every model of the package and its projects: the model and
    the test pipeline come from the config (its ``custom_imports`` are
    honoured), the weights from a local checkpoint loaded with the
    package's safe rules. A model with a ``prompt_key`` (SegChange-R1) is
    text-conditioned: the prompt goes into the sample's metainfo.

    Args:
        config (str | Config): Model config.
        checkpoint (str, optional): Weights (a training checkpoint or a
            bare state dict). None keeps random weights (with a warning).
        device (str): Torch device. Defaults to 'cpu'.
        trust_checkpoint (bool): Allow full unpickling of the checkpoint
            (only for trusted files). Defaults to False.
    """

    def __init__(self,
                 config,
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 trust_checkpoint: bool = False) -> None:
        cfg = config if isinstance(config, Config) else Config.fromfile(
            config)
        changefine_mm.register_all_modules(init_default_scope=False)
        self.scope = cfg.get('default_scope', 'changefine_mm')
        with DefaultScope.overwrite_default_scope(self.scope):
            self.model = MODELS.build(cfg.model)
        if checkpoint is None:
            self.model.init_weights()
            print_log('ChangePredictor: no checkpoint, the model has RANDOM '
                      'weights', logger='current', level=logging.WARNING)
        else:
            self._load(checkpoint, trust_checkpoint)
        self.model.to(device).eval()
        self.prompt_key = getattr(self.model, 'prompt_key', None)
        self.default_prompt = getattr(self.model, 'default_prompt', '')
        head = self.model.decode_head
        self.binary_logit = head.out_channels == 1
        self.default_threshold = float(head.threshold) \
            if self.binary_logit and head.threshold is not None else 0.5
        meta_keys = (self.prompt_key, ) if self.prompt_key else ()
        test_pipeline = cfg.get('test_pipeline') or \
            cfg.test_dataloader.dataset.pipeline
        with DefaultScope.overwrite_default_scope(self.scope):
            self.pipeline = Compose([
                TRANSFORMS.build(step)
                for step in inference_pipeline(test_pipeline, meta_keys)
            ])

    @property
    def text_conditioned(self) -> bool:
        """Whether the model reads a prompt."""
        return self.prompt_key is not None

    def _load(self, checkpoint: str, trust: bool) -> None:
        content = load_checkpoint_file(checkpoint, trust=trust or None)
        state = content.get('state_dict', content) if isinstance(
            content, dict) else None
        if not isinstance(state, dict):
            raise ValueError(f'{checkpoint} holds no state dict')
        state = {(k[len('module.'):] if k.startswith('module.') else k): v
                 for k, v in state.items()}
        problem = state_dict_mismatch(self.model.state_dict(), state)
        if problem:
            raise ValueError(
                f'{checkpoint} does not fit the config\'s model: {problem}')
        self.model.load_state_dict(state)

    @torch.no_grad()
    def probability(self, image_a: np.ndarray, image_b: np.ndarray,
                    prompt: Optional[str] = None) -> np.ndarray:
        """Per-pixel change probability of an RGB pair.

        Args:
            image_a (np.ndarray): (H, W, 3) uint8 RGB date A.
            image_b (np.ndarray): (H, W, 3) uint8 RGB date B.
            prompt (str, optional): Description of the wanted changes
                (text-conditioned models; empty uses the model's default).

        Returns:
            np.ndarray: (H, W) float32 probabilities.
        """
        # Configs expect OpenCV's BGR order, as images read from files.
        results = dict(img=[image_a[..., ::-1].copy(),
                            image_b[..., ::-1].copy()],
                       img_path=None)
        if self.text_conditioned:
            results[self.prompt_key] = prompt or self.default_prompt
        data = self.pipeline(results)
        batch = dict(inputs=[data['inputs']],
                     data_samples=[data['data_samples']])
        logits = self.model.test_step(batch)[0].seg_logits.data
        probs = logits.sigmoid()[0] if self.binary_logit else \
            logits.softmax(dim=0)[1]
        return probs.float().cpu().numpy()

    def predict(self,
                image_a: Optional[np.ndarray],
                image_b: Optional[np.ndarray],
                prompt: Optional[str] = None,
                threshold: Optional[float] = None,
                label: Optional[np.ndarray] = None) -> ChangePrediction:
        """Predict the change mask of a pair.

        Args:
            image_a (np.ndarray): Date A (gray, RGB or RGBA).
            image_b (np.ndarray): Date B, same size.
            prompt (str, optional): See :meth:`probability`.
            threshold (float, optional): Probability threshold; defaults to
                the model's.
            label (np.ndarray, optional): Ground truth (0/255 or 0/1) for
                a TP/FP/FN overlay.

        Returns:
            ChangePrediction: Probability, mask and overlay.

        Raises:
            ValueError: On a missing image, a bad threshold, or images (or
                label) of different sizes.
        """
        rgb_a = as_rgb(image_a, 'date A image')
        rgb_b = as_rgb(image_b, 'date B image')
        threshold = self.default_threshold if threshold is None else float(
            threshold)
        if not 0 <= threshold <= 1:
            raise ValueError(f'threshold must be in [0, 1], got {threshold}')
        truth = None
        if label is not None:
            gray = np.asarray(label)
            gray = gray[..., 0] if gray.ndim == 3 else gray
            if gray.shape != rgb_b.shape[:2]:
                raise ValueError(
                    f'the label is {gray.shape[1]}x{gray.shape[0]} but the '
                    f'images are {rgb_b.shape[1]}x{rgb_b.shape[0]}')
            truth = encode_binary_label(gray.astype(np.uint8),
                                        'uploaded label')
        prob = self.probability(rgb_a, rgb_b, prompt)
        mask = (prob >= threshold).astype(np.uint8)
        return ChangePrediction(prob, mask,
                                overlay_changes(rgb_b, mask, truth))
