"""ChangePairGenerator: one single-date sample in, one change pair out."""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from changefine_mm.registry import TASK_UTILS
from .change_synthesizer import ChangeSynthesizer
from .class_donor_bank import ClassDonorBank
from .same_class_variation import SameClassVariation
from .semantic_change_editor import SemanticChangeEditor


@dataclass
class ChangePair:
    """A generated bi-temporal sample (BGR images, class-id maps).

    Args:
        image_a (np.ndarray): (H, W, 3) uint8 date-A image.
        image_b (np.ndarray): (H, W, 3) uint8 date-B image.
        semantic_a (np.ndarray): (H, W) date-A class ids.
        semantic_b (np.ndarray): (H, W) date-B class ids.
    """
    image_a: np.ndarray
    image_b: np.ndarray
    semantic_a: np.ndarray
    semantic_b: np.ndarray

    @property
    def label(self) -> np.ndarray:
        """(H, W) uint8 change label: 1 where the class differs."""
        return (self.semantic_a != self.semantic_b).astype(np.uint8)


class ChangePairGenerator:
    """Edit the class map, render date B, vary it, maybe swap the dates.

    The three steps are configurable modules (``TASK_UTILS`` registry):
    :class:`SemanticChangeEditor` (which regions change into what), a
    :class:`ChangeSynthesizer` (their appearance; the plug-in point for a
    learned generator) and :class:`SameClassVariation` (appearance change
    that is not a change). The label is always derived from the two class
    maps, so it marks exactly the pixels whose class changed. With
    probability ``swap_prob`` the dates are exchanged, so that a model
    cannot learn which date is the rendered one.

    Args:
        bank (ClassDonorBank): Index of the source images by class.
        editor (dict): :class:`SemanticChangeEditor` config.
        synthesizer (dict): Synthesizer config (gets ``bank``).
        variation (dict, optional): :class:`SameClassVariation` config;
            None skips the step (e.g. when a learned synthesizer already
            renders such variation).
        swap_prob (float): Probability of exchanging the dates. Defaults
            to 0.5.
    """

    def __init__(self,
                 bank: ClassDonorBank,
                 editor: dict,
                 synthesizer: dict,
                 variation: Optional[dict] = None,
                 swap_prob: float = 0.5) -> None:
        self.bank = bank
        self.editor: SemanticChangeEditor = TASK_UTILS.build(editor)
        self.synthesizer: ChangeSynthesizer = TASK_UTILS.build(
            synthesizer, default_args=dict(bank=bank))
        self.variation: Optional[SameClassVariation] = TASK_UTILS.build(
            variation) if variation is not None else None
        self.swap_prob = swap_prob

    def generate(self, index: int, rng: np.random.Generator) -> ChangePair:
        """A change pair from source sample ``index``.

        Args:
            index (int): Index of the sample in the bank.
            rng (np.random.Generator): The only source of randomness.

        Returns:
            ChangePair: The pair.
        """
        image, semantic = self.bank.load(index)
        semantic_b = self.editor.edit(semantic, self.bank.classes, rng)
        image_b = self.synthesizer.render(image, semantic, semantic_b, rng,
                                          source_index=index)
        if self.variation is not None:
            image_b = self.variation.apply(image_b, semantic_b, rng)
        pair = ChangePair(image.copy(), image_b, semantic.copy(), semantic_b)
        if rng.random() < self.swap_prob:
            pair = ChangePair(pair.image_b, pair.image_a, pair.semantic_b,
                              pair.semantic_a)
        return pair
