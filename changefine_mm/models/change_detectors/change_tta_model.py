"""ChangeTTAModel: test-time augmentation by flips and 90-degree rotations.

Used by ``tools/test.py --tta``. mmseg's ``SegTTAModel`` averages the
outputs of a ``TestTimeAug`` pipeline, but it applies a sigmoid to the
``seg_logits`` of 1-channel heads that mmseg's post-processing has
already turned into probabilities, and no mmseg transform undoes a
rotation. This model fixes both:

* with a plain test pipeline it transforms the preprocessed batch itself:
  both dates are stacked in the channels of one tensor, so each flip or
  rotation moves them identically; the logits are transformed back,
  turned into probabilities, averaged, and post-processed once;
* with an open-cd ``tta_pipeline`` (``TestTimeAug`` of resizes and flips,
  undone by the detector's post-processing) it averages the probabilities
  of the augmented predictions.
"""
from typing import List, Sequence, Tuple, Union

import torch
from mmengine.model import BaseTTAModel
from mmengine.structures import PixelData

from changefine_mm.registry import MODELS

# (horizontal flip, 90-degree rotations counter-clockwise)
Augmentation = Tuple[bool, int]
FLIPS_AND_ROTATIONS: Tuple[Augmentation, ...] = (
    (False, 0), (True, 0), (False, 1), (False, 2), (False, 3),
    (True, 1), (True, 2), (True, 3))


def _apply(tensor: torch.Tensor, aug: Augmentation) -> torch.Tensor:
    flip, turns = aug
    if flip:
        tensor = tensor.flip(-1)
    return torch.rot90(tensor, turns, dims=(-2, -1))


def _undo(tensor: torch.Tensor, aug: Augmentation) -> torch.Tensor:
    flip, turns = aug
    tensor = torch.rot90(tensor, -turns, dims=(-2, -1))
    return tensor.flip(-1) if flip else tensor


@MODELS.register_module()
class ChangeTTAModel(BaseTTAModel):
    """Average a change detector's probabilities over flips and rotations.

    Args:
        module (dict | nn.Module): The change detector.
        augmentations (sequence[tuple[bool, int]]): ``(flip, turns)``
            pairs: a horizontal flip, then ``turns`` counter-clockwise
            90-degree rotations. Defaults to the 8 symmetries of the
            square (the vertical flip is a horizontal flip and two turns).
            Used with a plain test pipeline only.
    """

    def __init__(self,
                 module: Union[dict, torch.nn.Module],
                 augmentations: Sequence[Sequence] = FLIPS_AND_ROTATIONS,
                 **kwargs) -> None:
        super().__init__(module=module, **kwargs)
        self.augmentations = [(bool(f), int(t) % 4)
                              for f, t in augmentations]

    def test_step(self, data: Union[dict, List[dict]]) -> list:
        """Predict one batch.

        Args:
            data (dict | list[dict]): A batch of a plain test pipeline, or
                a batch of a ``TestTimeAug`` pipeline (per key, one list
                per augmentation).

        Returns:
            list[SegDataSample]: Merged predictions.
        """
        # A TestTimeAug batch holds one list of inputs per augmentation.
        if isinstance(data, dict) and isinstance(data['inputs'][0],
                                                 torch.Tensor):
            return self._augment_and_predict(data)
        return super().test_step(data)

    @torch.no_grad()
    def _augment_and_predict(self, data: dict) -> list:
        model = self.module
        data = model.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        metas = [s.metainfo for s in samples]
        total = 0
        for aug in self.augmentations:
            turned = _apply(inputs, aug)
            aug_metas = [dict(m, img_shape=turned.shape[-2:],
                              pad_shape=turned.shape[-2:]) for m in metas]
            logits = _undo(model.inference(turned, aug_metas), aug)
            total = total + self._probability(logits)
        mean = total / len(self.augmentations)
        return model.postprocess_result(self._to_logits(mean), samples)

    def _one_channel(self) -> bool:
        return self.module.decode_head.out_channels == 1

    def _probability(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.sigmoid() if self._one_channel() else \
            logits.softmax(dim=1)

    def _to_logits(self, prob: torch.Tensor) -> torch.Tensor:
        """Logits whose post-processing gives back ``prob``."""
        prob = prob.clamp(1e-6, 1 - 1e-6)
        return torch.logit(prob) if self._one_channel() else prob.log()

    def merge_preds(self, data_samples_list: List[list]) -> list:
        """Average the augmented predictions of each pair.

        Args:
            data_samples_list (list[list[SegDataSample]]): Per pair, its
                predictions under every augmentation (already flipped back
                and resized by the detector's post-processing).

        Returns:
            list[SegDataSample]: One prediction per pair.
        """
        merged = []
        for samples in data_samples_list:
            probs = [s.seg_logits.data for s in samples]
            if not self._one_channel():
                # 1-channel logits are already probabilities here.
                probs = [p.softmax(dim=0) for p in probs]
            mean = torch.stack(probs).mean(0)
            if self._one_channel():
                pred = (mean > self.module.decode_head.threshold).to(mean)
            else:
                pred = mean.argmax(dim=0, keepdim=True)
            # As the detector's own output: probabilities for 1 channel,
            # logits (here log-probabilities) otherwise.
            result = samples[0].clone()
            result.set_data(dict(
                seg_logits=PixelData(data=self._to_logits(mean)
                                     if not self._one_channel() else mean),
                pred_sem_seg=PixelData(data=pred)))
            merged.append(result)
        return merged
