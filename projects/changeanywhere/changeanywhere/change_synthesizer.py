"""ChangeSynthesizer: the interface of date-B appearance generators."""
from abc import ABCMeta, abstractmethod
from typing import Optional

import numpy as np

from .class_donor_bank import ClassDonorBank


class ChangeSynthesizer(metaclass=ABCMeta):
    """Render date B given date A and both dates' class maps.

    This is where a generator plugs in. :class:`RegionReplacementSynthesizer`
    copies appearance from other images; a learned generator (for example
    ChangeAnywhere's semantic latent diffusion model loaded from a local
    path) subclasses this class, registers itself in
    ``changefine_mm.registry.TASK_UTILS`` and is named in the generator
    config as ``synthesizer=dict(type='MyDiffusionSynthesizer',
    checkpoint='...')``; ``tools/generate_change_pairs.py --import MODULE``
    imports the module that registers it. The pipeline around it keeps the
    label exact whatever it renders: the change label is always computed
    from the two class maps.

    Args:
        bank (ClassDonorBank, optional): Index of the source images by
            class; given by the pipeline to every synthesizer.
    """

    def __init__(self, bank: Optional[ClassDonorBank] = None) -> None:
        self.bank = bank

    @abstractmethod
    def render(self, image: np.ndarray, semantic_from: np.ndarray,
               semantic_to: np.ndarray, rng: np.random.Generator,
               source_index: Optional[int] = None) -> np.ndarray:
        """Date B's image.

        Args:
            image (np.ndarray): (H, W, 3) uint8 BGR date-A image.
            semantic_from (np.ndarray): (H, W) date-A class ids.
            semantic_to (np.ndarray): (H, W) date-B class ids.
            rng (np.random.Generator): Source of randomness (the only one
                allowed, so that a seed fixes the output).
            source_index (int, optional): Index of date A in the bank.

        Returns:
            np.ndarray: (H, W, 3) uint8 BGR date-B image.
        """
