"""ONNX export of semantic change models (``SiamEncoderMultiDecoder``).

The graph is :func:`~changefine_mm.apis.onnx_export.export_onnx`'s (same
inputs ``image_a``/``image_b``, layouts, normalisation and padding in the
graph, dynamic or fixed size) with the semantic change outputs:

* ``change`` ``(1, H, W)`` uint8: 1 where the change probability is above
  the threshold;
* ``from`` and ``to`` ``(1, H, W)`` uint8: each date's class map in the
  model's convention (with ``cover_semantic``: ``class + 1`` where
  changed, 0 elsewhere), as :class:`SCDInferencer` gives them;
* ``prob`` ``(1, 1 + 2K, H, W)`` float32: the change probability, then
  date A's and date B's K class probabilities.

The from-to code raster is ``1 + from * K' + to`` where ``change`` is 1
(K' = the number of class names, see ``docs/scd.md``).

The graph runs a copy of the model whose ``nn.AdaptiveAvgPool2d`` modules
(mmseg's UPerHead pooling pyramid, open-cd's SCD baselines) are replaced
by :func:`~changefine_mm.models.utils.traceable_pooling.adaptive_avg_pool2d`
(the same bins as matrix products), which the exporter converts at any
input size; the model itself is left as it is.
"""
import copy
from typing import Dict, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from changefine_mm.models.utils.traceable_pooling import adaptive_avg_pool2d
from .onnx_export import EndToEndChangeModel, graph_and_reference


class TraceableAdaptiveAvgPool2d(nn.Module):
    """``nn.AdaptiveAvgPool2d`` of a square output, exportable at any
    input size.

    Args:
        output_size (int | tuple[int, int]): Bins per side (square).
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        sizes = (output_size, ) * 2 if isinstance(output_size, int) else \
            tuple(output_size)
        if len(set(sizes)) != 1 or None in sizes:
            raise ValueError(f'cannot export adaptive pooling to '
                             f'{output_size}: square outputs only')
        self.output_size = sizes[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool ``[B, C, H, W]`` to ``output_size`` bins per side."""
        return adaptive_avg_pool2d(x, self.output_size)


def traceable_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with traceable adaptive average pooling.

    Args:
        model (nn.Module): The model.

    Returns:
        nn.Module: The copy (shares nothing with ``model``).
    """
    model = copy.deepcopy(model)
    for parent in list(model.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.AdaptiveAvgPool2d):
                setattr(parent, name,
                        TraceableAdaptiveAvgPool2d(child.output_size))
    return model


class EndToEndSCDModel(EndToEndChangeModel):
    """A semantic change detector between uint8 images and its maps.

    Args:
        model (nn.Module): A built ``SiamEncoderMultiDecoder`` (eval).
        layout (str): 'hwc' or 'nchw' input layout.
        threshold (float): Change threshold.
        num_classes (int): Classes of the semantic heads (K).
        offset (int): 1 with ``cover_semantic`` (0 = unchanged), else 0.
    """

    def __init__(self, model: torch.nn.Module, layout: str, threshold: float,
                 num_classes: int, offset: int) -> None:
        super().__init__(traceable_copy(model), layout, threshold,
                         num_classes)
        self.offset = offset

    def output_axes(self) -> Dict[str, Dict[int, str]]:
        """Output names and their dynamic axes."""
        maps = {1: 'height', 2: 'width'}
        return {'change': maps, 'from': maps, 'to': maps,
                'prob': {2: 'height', 3: 'width'}}

    def forward(self, image_a: torch.Tensor,
                image_b: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """uint8 pair -> (change, from, to, prob), see the module doc."""
        logits, crop = self.model_logits(image_a, image_b)
        change = crop(logits['seg_logits'])
        # 1 channel: sigmoid, as the model's post-processing; 2: softmax.
        change = change.sigmoid() if change.size(1) == 1 else \
            change.softmax(dim=1)[:, 1:]
        covers = [crop(logits[name]).softmax(dim=1)
                  for name in ('seg_logits_from', 'seg_logits_to')]
        changed = (change[:, 0] > self.threshold).to(torch.uint8)
        maps = []
        for cover in covers:
            classes = cover.argmax(dim=1).to(torch.uint8) + self.offset
            maps.append(classes * changed if self.offset else classes)
        return (changed, maps[0], maps[1], torch.cat([change] + covers,
                                                     dim=1))


def verify_scd_onnx(path: str,
                    inferencer,
                    sizes: Sequence[Tuple[int, int]] = ((256, 256), ),
                    layout: str = 'hwc',
                    seed: int = 0) -> Dict[str, float]:
    """Compare an exported SCD graph (onnxruntime) with PyTorch.

    Args:
        path (str): ONNX file.
        inferencer (SCDInferencer): The same model in PyTorch.
        sizes (sequence): (H, W) of the random test pairs.
        layout (str): Layout the graph was exported with.
        seed (int): Seed of the random images.

    Returns:
        dict: ``max_prob_diff`` (largest absolute difference of the
        ``1 + 2K`` probabilities) and ``mask_mismatch`` (pixels where a
        map differs although its decision is not a tie: change probability
        more than 1e-4 from the threshold, top two class probabilities
        more than 1e-4 apart).
    """
    max_diff, mismatch = 0.0, 0
    for (change, cover_from, cover_to, prob), expected in \
            graph_and_reference(path, inferencer, sizes, layout, seed):
        reference = np.concatenate([expected['prob_change'][None],
                                    expected['prob_from'],
                                    expected['prob_to']])
        max_diff = max(max_diff, float(np.abs(prob[0] - reference).max()))
        mismatch += _firm_mismatches((change[0], cover_from[0], cover_to[0]),
                                     expected, inferencer.threshold)
    return dict(max_prob_diff=max_diff, mask_mismatch=mismatch)


def _firm_mismatches(maps: Sequence[np.ndarray], expected: dict,
                     threshold: float) -> int:
    """Pixels where a map disagrees and its decision is not a tie."""
    firm_change = np.abs(expected['prob_change'] - threshold) > 1e-4
    differ = maps[0] != expected['change']
    firm = firm_change
    for got, name in zip(maps[1:], ('from', 'to')):
        top2 = np.sort(expected[f'prob_{name}'], axis=0)[-2:]
        # a class map also follows the change decision (cover_semantic)
        firm = firm & ((top2[1] - top2[0]) > 1e-4)
        differ = differ | (got != expected[name])
    return int((differ & firm).sum())
