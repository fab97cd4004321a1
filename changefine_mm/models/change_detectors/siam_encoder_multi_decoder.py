"""SiamEncoderMultiDecoder: a shared backbone, a change map and a land-cover
map per date (semantic change detection)."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.utils import resize
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from .bitemporal_encoder_decoder import BiTemporalEncoderDecoder

POSTPROCESS = (None, 'cover_semantic')


@MODELS.register_module()
class SiamEncoderMultiDecoder(BiTemporalEncoderDecoder):
    """open-cd's semantic change detector of the same name and config keys.

    The backbone (and optional per-date ``neck``) encodes each date; the
    decode head (:class:`GeneralSCDHead`) fuses them for the change map
    and decodes each date's land cover. Predictions are written to
    ``pred_sem_seg`` (change), ``pred_sem_seg_from`` and
    ``pred_sem_seg_to``, logits to ``seg_logits``, ``seg_logits_from``,
    ``seg_logits_to``; whole and slide inference as mmseg's.

    ``postprocess_pred_and_label='cover_semantic'`` (open-cd's SECOND
    config) turns the semantic maps into SECOND's convention, where class
    0 is 'unchanged': predictions become ``(class + 1) * change`` and
    labels ``label + 1`` with ignored (255) pixels 0, so that the
    semantic scores (SeK) count unchanged pixels as class 0.

    Args:
        postprocess_pred_and_label (str, optional): None or
            'cover_semantic'.
        **kwargs: :class:`BiTemporalEncoderDecoder` arguments.
    """

    def __init__(self,
                 postprocess_pred_and_label: Optional[str] = None,
                 **kwargs) -> None:
        if postprocess_pred_and_label not in POSTPROCESS:
            raise ValueError('postprocess_pred_and_label must be None or '
                             f"'cover_semantic', got "
                             f'{postprocess_pred_and_label!r}')
        super().__init__(**kwargs)
        self.postprocess_pred_and_label = postprocess_pred_and_label

    def _init_decode_head(self, decode_head: dict) -> None:
        self.decode_head = MODELS.build(decode_head)
        heads = self.decode_head.heads()
        binary = heads['seg_logits']
        self.num_classes = binary.num_classes
        self.out_channels = binary.out_channels
        self.align_corners = binary.align_corners
        self.semantic_num_classes = heads['seg_logits_from'].num_classes
        self.semantic_out_channels = heads['seg_logits_from'].out_channels

    def extract_feat(self, inputs: torch.Tensor) -> Tuple[list, list]:
        """Encode each date with the shared backbone (and neck).

        Args:
            inputs (Tensor): (B, 2C, H, W) stacked pair.

        Returns:
            tuple: Multi-level features of date A and of date B.
        """
        feats = []
        for image in self.split_dates(inputs):
            feat = self.backbone(image)
            feats.append(self.neck(feat) if self.with_neck else feat)
        return tuple(feats)

    def slide_inference(self, inputs: torch.Tensor,
                        batch_img_metas: List[dict]) -> Dict[str,
                                                             torch.Tensor]:
        """mmseg's sliding-window inference for the three outputs.

        Args:
            inputs (Tensor): (B, 2C, H, W) stacked pair.
            batch_img_metas (list[dict]): Meta of each image.

        Returns:
            dict[str, Tensor]: Averaged logits by output name.
        """
        h_stride, w_stride = self.test_cfg.stride
        h_crop, w_crop = self.test_cfg.crop_size
        batch, _, h_img, w_img = inputs.size()
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        sums: Dict[str, torch.Tensor] = {}
        count = inputs.new_zeros((batch, 1, h_img, w_img))
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y2 = min(h_idx * h_stride + h_crop, h_img)
                x2 = min(w_idx * w_stride + w_crop, w_img)
                y1, x1 = max(y2 - h_crop, 0), max(x2 - w_crop, 0)
                crop = inputs[:, :, y1:y2, x1:x2]
                batch_img_metas[0]['img_shape'] = crop.shape[2:]
                for name, logits in self.encode_decode(
                        crop, batch_img_metas).items():
                    padded = F.pad(logits,
                                   (x1, w_img - x2, y1, h_img - y2))
                    sums[name] = sums[name] + padded if name in sums \
                        else padded
                count[:, :, y1:y2, x1:x2] += 1
        return {name: total / count for name, total in sums.items()}

    def postprocess_result(
            self,
            seg_logits: Dict[str, torch.Tensor],
            data_samples: Optional[List[SegDataSample]] = None
    ) -> List[SegDataSample]:
        """Write the three predictions (and logits) into the samples.

        Args:
            seg_logits (dict[str, Tensor]): Logits by output name.
            data_samples (list[SegDataSample], optional): The samples.

        Returns:
            list[SegDataSample]: The samples with ``pred_sem_seg``,
            ``pred_sem_seg_from``, ``pred_sem_seg_to`` and the logits.
        """
        batch = next(iter(seg_logits.values())).shape[0]
        only_prediction = data_samples is None
        if only_prediction:
            data_samples = [SegDataSample() for _ in range(batch)]
        heads = self.decode_head.heads()
        for i, sample in enumerate(data_samples):
            for name, logits in seg_logits.items():
                head = heads[name]
                logit = logits[i] if only_prediction else _to_original(
                    logits[i:i + 1], sample.metainfo, head.align_corners)
                if logit.shape[0] > 1:
                    pred = logit.argmax(dim=0, keepdim=True)
                else:
                    logit = logit.sigmoid()
                    pred = (logit > head.threshold).to(logit)
                suffix = name[len('seg_logits'):]
                sample.set_data({
                    name: PixelData(data=logit),
                    'pred_sem_seg' + suffix: PixelData(data=pred)
                })
            if self.postprocess_pred_and_label == 'cover_semantic':
                _cover_semantic(sample)
        return data_samples


def _to_original(logits: torch.Tensor, meta: dict,
                 align_corners: bool) -> torch.Tensor:
    """Remove padding, undo a flip and resize to ``ori_shape``."""
    _, _, height, width = logits.shape
    left, right, top, bottom = meta.get('img_padding_size',
                                        meta.get('padding_size', [0] * 4))
    logits = logits[:, :, top:height - bottom, left:width - right]
    if meta.get('flip'):
        direction = meta.get('flip_direction')
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f'unknown flip_direction {direction!r}')
        logits = logits.flip(dims=(3, ) if direction == 'horizontal' else
                             (2, ))
    return resize(logits, size=meta['ori_shape'], mode='bilinear',
                  align_corners=align_corners, warning=False).squeeze(0)


def _cover_semantic(sample: SegDataSample) -> None:
    """open-cd's 'cover_semantic': class 0 = unchanged in both maps."""
    change = sample.pred_sem_seg.data
    # Tells readers of the maps (panels) that class 0 is 'unchanged'.
    sample.set_metainfo(dict(semantic_covered=True))
    for date in ('from', 'to'):
        pred = sample.get(f'pred_sem_seg_{date}')
        pred.data = (pred.data + 1) * change
        label = sample.get(f'gt_sem_seg_{date}')
        if label is not None:
            data = label.data.clone()
            data[data == 255] = -1
            label.data = data + 1
