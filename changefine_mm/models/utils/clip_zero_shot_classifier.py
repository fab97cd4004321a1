"""CLIPZeroShotClassifier: rank a list of class names for images with CLIP."""
import os.path as osp
from typing import List, Optional, Sequence, Union

import open_clip
import torch
import torch.nn.functional as F
from open_clip.constants import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD
from torch import nn

from changefine_mm.registry import MODELS
from .clip_loading import CLIPArch, load_clip

# ChangeCLIP's 56 remote-sensing classes (its tools/rscls.txt), which the
# CLIP prompts of ChangeCLIP and CLIPFormer are chosen from.
DEFAULT_CLASSES = osp.join(osp.dirname(__file__), 'rs_classes.txt')


def read_class_names(path: str) -> List[str]:
    """Class names from a text file, one per line.

    ChangeCLIP's ``rscls.txt`` lines read ``name, translation``; only the
    part before the first comma is kept. Empty lines are skipped.

    Args:
        path (str): The file.

    Returns:
        list[str]: The names, in file order.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'class-name file not found: {path}')
    with open(path, encoding='utf-8') as f:
        names = [line.split(',')[0].strip() for line in f]
    names = [n for n in names if n]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f'{path} lists some classes twice: {duplicates}')
    if not names:
        raise ValueError(f'{path} lists no class names')
    return names


@MODELS.register_module()
class CLIPZeroShotClassifier(nn.Module):
    """Zero-shot classification of images against class names with CLIP.

    Where the class names of CLIP prompts come from: the scoring of
    ChangeCLIP's ``tools/clip_inference.py`` (run offline by
    ``tools/misc/clip_prompt_classes.py``) and of the per-window prompts of
    CLIPFormer's ``mm_slide_inference`` (the detector's ``tile_prompts``).
    Every class name is encoded as is, images are resized (shorter side,
    bicubic), centre-cropped to CLIP's input size and normalised with
    CLIP's statistics, and the probabilities are the softmax of
    ``logit_scale * cos(image, text)``. The model runs without gradients.

    Args:
        class_names (str | sequence[str]): A class-name file (see
            :func:`read_class_names`) or the names. Defaults to the 56
            remote-sensing classes of ChangeCLIP (``rs_classes.txt``).
        clip_checkpoint (str, optional): Local CLIP checkpoint (OpenAI
            ``ViT-B-16.pt`` for the official prompts). None builds ``arch``
            with random weights (tests only).
        arch (dict, optional): :class:`CLIPArch` fields, checked against the
            checkpoint or used for the random model.
        quick_gelu (bool): QuickGELU activations (OpenAI weights). Defaults
            to True.
    """

    def __init__(self,
                 class_names: Union[str, Sequence[str]] = DEFAULT_CLASSES,
                 clip_checkpoint: Optional[str] = None,
                 arch: Optional[dict] = None,
                 quick_gelu: bool = True) -> None:
        super().__init__()
        self.class_names = (
            read_class_names(class_names)
            if isinstance(class_names, str) else list(class_names))
        self.clip = load_clip(
            clip_checkpoint,
            CLIPArch(**arch) if arch else None,
            quick_gelu,
            config_key='clip_checkpoint').requires_grad_(False)
        size = self.clip.visual.image_size
        self.input_size = tuple(size) if isinstance(size, (tuple, list)) \
            else (size, size)
        tokens = open_clip.tokenize(
            self.class_names, context_length=self.clip.context_length)
        with torch.no_grad():
            text = F.normalize(self.clip.encode_text(tokens), dim=-1)
        self.register_buffer('text_features', text, persistent=False)
        self.register_buffer(
            'mean', torch.tensor(OPENAI_DATASET_MEAN).view(1, 3, 1, 1) * 255,
            persistent=False)
        self.register_buffer(
            'std', torch.tensor(OPENAI_DATASET_STD).view(1, 3, 1, 1) * 255,
            persistent=False)

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """CLIP's input transform on tensors.

        Args:
            images (Tensor): (B, 3, H, W) RGB pixel values in [0, 255].

        Returns:
            Tensor: (B, 3, h, w) normalised crops of CLIP's input size.
        """
        height, width = images.shape[-2:]
        scale = max(self.input_size[0] / height, self.input_size[1] / width)
        size = (max(round(height * scale), self.input_size[0]),
                max(round(width * scale), self.input_size[1]))
        images = F.interpolate(
            images.float(), size=size, mode='bicubic', antialias=True,
            align_corners=False).clamp(0, 255)
        top = (size[0] - self.input_size[0]) // 2
        left = (size[1] - self.input_size[1]) // 2
        images = images[..., top:top + self.input_size[0],
                        left:left + self.input_size[1]]
        return (images - self.mean) / self.std

    @torch.no_grad()
    def probabilities(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class probabilities of preprocessed images.

        Args:
            inputs (Tensor): Output of :meth:`preprocess`.

        Returns:
            Tensor: (B, num_classes) probabilities.
        """
        image = F.normalize(self.clip.encode_image(inputs), dim=-1)
        logits = self.clip.logit_scale.exp() * image @ self.text_features.t()
        return logits.softmax(dim=-1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class probabilities of (B, 3, H, W) RGB images in [0, 255]."""
        return self.probabilities(self.preprocess(images))

    def top_classes(self, images: torch.Tensor, k: int) -> List[List[str]]:
        """The ``k`` most probable class names of each image.

        Args:
            images (Tensor): (B, 3, H, W) RGB pixel values in [0, 255].
            k (int): Names per image.

        Returns:
            list[list[str]]: Names, most probable first, per image.
        """
        if not 1 <= k <= len(self.class_names):
            raise ValueError(f'k must be in 1..{len(self.class_names)}, '
                             f'got {k}')
        # Stable, so ties keep the class-list order as in the prompt JSON.
        order = self(images).sort(dim=-1, descending=True,
                                  stable=True).indices[:, :k]
        return [[self.class_names[i] for i in row] for row in order.tolist()]
