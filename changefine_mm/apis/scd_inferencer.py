"""SCDInferencer: semantic change models on pairs of arrays, files and
windows of big scenes.

A semantic change detector (:class:`SiamEncoderMultiDecoder`) predicts a
change map and one land-cover map per date. Per pixel the inferencer
carries ``1 + 2 K`` scores, K = the semantic head's classes: the change
probability, date A's K class probabilities and date B's K class
probabilities. Windows of a big scene are blended on these probabilities
(:mod:`~changefine_mm.apis.sliding`, as the binary path blends its own),
then decided: changed where the change probability is above the
threshold, each date's class the argmax of its blended probabilities.

The maps follow the model's convention (what ``tools/test.py`` scores):
with ``postprocess_pred_and_label='cover_semantic'`` the class maps hold
``class + 1`` where changed and 0 ('unchanged') elsewhere; otherwise the
semantic head's class everywhere. ``codes`` is the from-to raster of
:mod:`~changefine_mm.apis.scd_inference`.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from .inferencer import NODATA, ChangeInferencer
from .scd_inference import (code_nodata, from_to_codes, is_scd_config,
                            semantic_map_classes)


def is_scd_model(model: Union[str, Config, nn.Module]) -> bool:
    """Whether a config or built model is a semantic change detector.

    Args:
        model (str | Config | nn.Module): Config (file or object) or model.

    Returns:
        bool: True for ``SiamEncoderMultiDecoder`` configs and models.
    """
    if isinstance(model, nn.Module):
        head = getattr(model, 'decode_head', None)
        return hasattr(head, 'heads') and \
            'seg_logits_from' in head.heads()
    return is_scd_config(model)


class SCDInferencer(ChangeInferencer):
    """Predict change and from/to class maps of pairs of images.

    ``ChangeInferencer(scd_config, ...)`` builds one of these; the
    arguments are :class:`ChangeInferencer`'s (``threshold`` is the change
    threshold of the binary head) and:

    Args:
        classes (sequence[str], optional): Names of the class indices of
            the maps (with ``cover_semantic``: 0 'unchanged' first).
            Defaults to the config's test dataset's
            (:func:`semantic_map_classes`).
        palette (sequence, optional): Their RGB colours.

    Example:
        >>> inferencer = ChangeInferencer(
        ...     'configs/scd/scd_upernet_r18_demo.py',
        ...     'work_dirs/scd_demo/iter_200.pth')
        >>> result = inferencer('a.png', 'b.png', window=256)
        >>> result['change'], result['from'], result['to'], result['codes']
    """

    def __init__(self,
                 model: Union[str, Config, nn.Module],
                 checkpoint: Optional[str] = None,
                 *args,
                 classes: Optional[Sequence[str]] = None,
                 palette: Optional[Sequence[Sequence[int]]] = None,
                 **kwargs) -> None:
        super().__init__(model, checkpoint, *args, **kwargs)
        self.offset = int(getattr(self.model, 'postprocess_pred_and_label',
                                  None) == 'cover_semantic')
        if classes is None:
            cfg = getattr(self.model, 'cfg', None)
            if cfg is None:
                raise ValueError(
                    'a built semantic change model without `cfg` needs '
                    'classes=... and palette=... (the names and colours '
                    'of its map values)')
            classes, palette = semantic_map_classes(cfg)
        self.classes = list(classes)
        self.palette = [list(c) for c in palette] if palette is not None \
            else None
        expected = self.num_classes + self.offset
        if len(self.classes) != expected:
            raise ValueError(
                f'{len(self.classes)} class names for a model whose maps '
                f'hold {expected} values ({self.num_classes} semantic '
                'classes' + (" + 'unchanged' (cover_semantic)"
                             if self.offset else '') +
                '): set the dataset\'s metainfo.semantic_classes or pass '
                'classes=...')
        if expected > NODATA:
            raise ValueError(f'{expected} classes do not fit the uint8 '
                             'class maps (at most 255)')

    def _heads(self) -> Dict[str, nn.Module]:
        head = getattr(self.model, 'decode_head', None)
        if not hasattr(head, 'heads'):
            raise ValueError(
                f'{type(self.model).__name__} is not a semantic change '
                'detector (SiamEncoderMultiDecoder with GeneralSCDHead)')
        return head.heads()

    def _num_classes(self) -> int:
        """Classes of the semantic heads (K)."""
        return self._heads()['seg_logits_from'].out_channels

    def _threshold(self, threshold: Optional[float]) -> float:
        if threshold is not None:
            return float(threshold)
        binary = self._heads()['seg_logits']
        if binary.out_channels == 1 and binary.threshold is not None:
            return float(binary.threshold)
        return 0.5

    @property
    def num_scores(self) -> int:
        """Scores per pixel: change probability + 2 x K class ones."""
        return 1 + 2 * self.num_classes

    def predict_arrays(self, images_a: Sequence[np.ndarray],
                       images_b: Sequence[np.ndarray]) -> np.ndarray:
        """Change and class probabilities of equally sized pairs.

        Args:
            images_a (sequence[np.ndarray]): ``(C, H, W)`` date-A images in
                the training band order (BGR for 3 bands).
            images_b (sequence[np.ndarray]): Date-B images, same shapes.

        Returns:
            np.ndarray: ``(N, 1 + 2K, H, W)`` float32 (module docstring).
        """
        results = self._test_step(images_a, images_b)
        change = torch.stack([r.seg_logits.data for r in results]).float()
        # A 1-channel change head has its sigmoid applied by the model.
        change = change if change.size(1) == 1 else \
            change.softmax(dim=1)[:, 1:]
        covers = [
            torch.stack([r.get(name).data for r in results]).float()
            .softmax(dim=1) for name in ('seg_logits_from', 'seg_logits_to')
        ]
        return torch.cat([change] + covers, dim=1).cpu().numpy()

    def maps(self, probs: np.ndarray) -> Dict[str, np.ndarray]:
        """Decide the maps of one pair's probabilities.

        Args:
            probs (np.ndarray): ``(1 + 2K, H, W)``, NaN where nodata.

        Returns:
            dict: ``change`` (0/1), ``from`` and ``to`` (class maps in the
            model's convention) as ``(H, W)`` uint8 with ``NODATA`` (255)
            where the probabilities are NaN, and ``codes`` (the from-to
            raster; its type's largest value where nodata).
        """
        nodata = np.isnan(probs[0])
        filled = np.nan_to_num(probs, nan=0.0)
        count = self.num_classes
        change = (filled[0] > self.threshold).astype(np.uint8)
        covers = [
            filled[first:first + count].argmax(0).astype(np.uint8) +
            self.offset for first in (1, 1 + count)
        ]
        if self.offset:  # cover_semantic: 0 = unchanged, as the model
            covers = [cover * change for cover in covers]
        codes = from_to_codes(change, covers[0], covers[1],
                              len(self.classes))
        codes[nodata] = code_nodata(codes.dtype)
        maps = {'change': change, 'from': covers[0], 'to': covers[1]}
        for value in maps.values():
            value[nodata] = NODATA
        maps['codes'] = codes
        return maps

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """The from-to codes of one pair's probabilities (see
        :meth:`maps`)."""
        return self.maps(probs)['codes']

    def result(self, probs: np.ndarray) -> Dict[str, np.ndarray]:
        """What :meth:`__call__` returns for one pair.

        Args:
            probs (np.ndarray): ``(1 + 2K, H, W)`` probabilities.

        Returns:
            dict: :meth:`maps` plus ``prob_change`` ``(H, W)``,
            ``prob_from`` and ``prob_to`` ``(K, H, W)``.
        """
        count = self.num_classes
        result = self.maps(probs)
        result.update(prob_change=probs[0], prob_from=probs[1:1 + count],
                      prob_to=probs[1 + count:])
        return result

    def end_to_end_model(self, layout: str) -> nn.Module:
        """The model between uint8 images and its maps, for ONNX export
        (:mod:`~changefine_mm.apis.scd_onnx`).

        Args:
            layout (str): 'hwc' or 'nchw' input layout.

        Returns:
            nn.Module: An :class:`EndToEndSCDModel`.
        """
        from .scd_onnx import EndToEndSCDModel
        return EndToEndSCDModel(self.model, layout, self.threshold,
                                self.num_classes, self.offset)
