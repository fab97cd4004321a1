"""ChangeVisualizer: A | B | prediction overlaid with TP / FP / FN colours."""
import os
import os.path as osp
from typing import Optional

import mmcv
import numpy as np
from mmengine.visualization import LocalVisBackend, Visualizer

from changefine_mm.registry import VISBACKENDS, VISUALIZERS

# RGB colours of the overlay, as in open-cd's visualize_results tool.
TP_COLOUR = (0, 200, 0)
FP_COLOUR = (255, 220, 0)
FN_COLOUR = (230, 0, 0)
PRED_COLOUR = (230, 0, 0)
_GAP = 4

VISBACKENDS.register_module(name='CDLocalVisBackend', module=LocalVisBackend)


def overlay_changes(image: np.ndarray,
                    pred: np.ndarray,
                    label: Optional[np.ndarray] = None,
                    alpha: float = 0.5,
                    ignore_index: int = 255) -> np.ndarray:
    """Paint predicted changes onto an RGB image.

    With a label, true positives are green, false positives yellow and
    false negatives red; without one, every predicted change is red.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        pred (np.ndarray): (H, W) prediction, 1 = changed.
        label (np.ndarray, optional): (H, W) ground truth.
        alpha (float): Opacity of the colours.
        ignore_index (int): Label value left unpainted.

    Returns:
        np.ndarray: The (H, W, 3) uint8 overlay.
    """
    pred = pred.astype(bool)
    if label is None:
        layers = [(pred, PRED_COLOUR)]
    else:
        valid = label != ignore_index
        truth = (label == 1) & valid
        layers = [(pred & truth, TP_COLOUR), (pred & ~truth & valid,
                                              FP_COLOUR),
                  (~pred & truth, FN_COLOUR)]
    out = image.astype(np.float32)
    for mask, colour in layers:
        out[mask] = (1 - alpha) * out[mask] + alpha * np.array(colour)
    return out.round().astype(np.uint8)


@VISUALIZERS.register_module(name=['ChangeVisualizer', 'CDLocalVisualizer'])
class ChangeVisualizer(Visualizer):
    """Draws change-detection results as one panel per pair.

    The panel is ``A | B | overlay``, where the overlay shows the
    prediction on B with TP/FP/FN colours (:func:`overlay_changes`). Also
    registered as open-cd's ``CDLocalVisualizer``.

    Args:
        name (str): Instance name.
        alpha (float): Overlay opacity.
        **kwargs: :class:`mmengine.visualization.Visualizer` arguments.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 alpha: float = 0.5,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.alpha = alpha

    def draw_pair(self,
                  image_from: np.ndarray,
                  image_to: np.ndarray,
                  pred: np.ndarray,
                  label: Optional[np.ndarray] = None) -> np.ndarray:
        """Compose the ``A | B | overlay`` panel.

        Args:
            image_from (np.ndarray): (H, W, 3) RGB date A.
            image_to (np.ndarray): (H, W, 3) RGB date B.
            pred (np.ndarray): (H, W) 0/1 prediction.
            label (np.ndarray, optional): (H, W) ground truth.

        Returns:
            np.ndarray: The RGB panel, (H, 3W + 2 gaps, 3).
        """
        height = image_from.shape[0]
        gap = np.full((height, _GAP, 3), 255, dtype=np.uint8)
        overlay = overlay_changes(image_to, pred, label, self.alpha)
        return np.concatenate([image_from, gap, image_to, gap, overlay],
                              axis=1)

    def add_datasample(self,
                       name: str,
                       image_from: np.ndarray,
                       image_to: np.ndarray,
                       data_sample,
                       out_file: Optional[str] = None,
                       step: int = 0) -> np.ndarray:
        """Draw one pair's result and save or log it.

        Args:
            name (str): Image name for the backends.
            image_from (np.ndarray): RGB date A at the label's size.
            image_to (np.ndarray): RGB date B.
            data_sample (SegDataSample): With ``pred_sem_seg`` and
                optionally ``gt_sem_seg``.
            out_file (str, optional): Write the panel here and the plain
                0/255 mask to ``<dir>/masks/<file name>``; if None the
                panel goes to the visualizer's backends.
            step (int): Global step for the backends.

        Returns:
            np.ndarray: The panel.
        """
        pred = data_sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
        label = None
        if 'gt_sem_seg' in data_sample:
            label = data_sample.gt_sem_seg.data.squeeze(0).cpu().numpy()
        panel = self.draw_pair(image_from, image_to, pred, label)
        self.set_image(panel)
        if out_file is None:
            self.add_image(name, panel, step)
            return panel
        folder, file_name = osp.split(out_file)
        os.makedirs(osp.join(folder, 'masks'), exist_ok=True)
        mmcv.imwrite(mmcv.rgb2bgr(panel), out_file)
        mmcv.imwrite((pred > 0).astype(np.uint8) * 255,
                     osp.join(folder, 'masks', file_name))
        return panel
