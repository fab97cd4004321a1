"""ChangeVisualizer: A | B | prediction overlaid with TP / FP / FN colours."""
import os
import os.path as osp
from typing import List, Optional, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.visualization import LocalVisBackend, Visualizer

from changefine_mm.registry import VISBACKENDS, VISUALIZERS
from .panel import MIN_HEIGHT, LegendItem, compose_panel
from .scd_panel import scd_panel, semantic_classes_of

# RGB colours of the overlay: cyan, yellow and magenta stay apart from
# scene colours (green vegetation, red and grey roofs, dark water) and,
# differing in lightness too, for colour-blind readers; every region is
# also outlined in its colour at full opacity.
TP_COLOUR = (0, 220, 255)
FP_COLOUR = (255, 220, 0)
FN_COLOUR = (255, 0, 255)
PRED_COLOUR = (255, 0, 255)
_GAP = 4
_KERNEL = np.ones((3, 3), np.uint8)


def change_legend(with_label: bool) -> List[LegendItem]:
    """The legend of :func:`overlay_changes` colours.

    Args:
        with_label (bool): Whether the overlay compares with a label.

    Returns:
        list[tuple[str, tuple]]: (text, RGB colour) pairs.
    """
    if not with_label:
        return [('predicted change', PRED_COLOUR)]
    return [('TP: change found', TP_COLOUR), ('FP: false alarm', FP_COLOUR),
            ('FN: change missed', FN_COLOUR)]


def _outline(mask: np.ndarray) -> np.ndarray:
    """The inner boundary pixels of a mask (image edges are no boundary,
    so blocks of a big scene join without seams)."""
    inner = cv2.erode(mask.astype(np.uint8), _KERNEL,
                      borderType=cv2.BORDER_REPLICATE)
    return mask & ~inner.astype(bool)


VISBACKENDS.register_module(name='CDLocalVisBackend', module=LocalVisBackend)


def overlay_changes(image: np.ndarray,
                    pred: np.ndarray,
                    label: Optional[np.ndarray] = None,
                    alpha: float = 0.5,
                    ignore_index: int = 255,
                    outline: bool = True,
                    colour: Tuple[int, int, int] = PRED_COLOUR
                    ) -> np.ndarray:
    """Paint predicted changes onto an RGB image.

    With a label, true positives are cyan, false positives yellow and
    false negatives magenta; without one, every predicted change is
    ``colour``, magenta by default (:func:`change_legend` gives the
    matching legend).

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        pred (np.ndarray): (H, W) prediction, 1 = changed.
        label (np.ndarray, optional): (H, W) ground truth.
        alpha (float): Opacity of the colours.
        ignore_index (int): Label value left unpainted.
        outline (bool): Also draw each region's boundary opaquely.
        colour (tuple): RGB colour of the changes without a label.

    Returns:
        np.ndarray: The (H, W, 3) uint8 overlay.
    """
    pred = pred.astype(bool)
    if label is None:
        layers = [(pred, colour)]
    else:
        valid = label != ignore_index
        truth = (label == 1) & valid
        layers = [(pred & truth, TP_COLOUR), (pred & ~truth & valid,
                                              FP_COLOUR),
                  (~pred & truth, FN_COLOUR)]
    out = image.astype(np.float32)
    for mask, colour in layers:
        out[mask] = (1 - alpha) * out[mask] + alpha * np.array(colour)
        if outline:
            out[_outline(mask)] = colour
    return out.round().astype(np.uint8)


@VISUALIZERS.register_module(name=['ChangeVisualizer', 'CDLocalVisualizer'])
class ChangeVisualizer(Visualizer):
    """Draws change-detection results as one panel per pair.

    The panel is ``A | B | overlay``, where the overlay shows the
    prediction on B with TP/FP/FN colours (:func:`overlay_changes`). An
    annotated panel (what ``ChangeVisualizationHook`` writes) adds column
    titles and a colour legend and is at least ``min_height`` pixels high;
    a plain one is the three images at their own size. Semantic change
    samples (``pred_sem_seg_from``/``_to`` with ``semantic_classes`` in
    ``dataset_meta``) get an annotated ``A | B | from | to | change`` panel
    (:mod:`.scd_panel`). Also registered as open-cd's
    ``CDLocalVisualizer``.

    Args:
        name (str): Instance name.
        alpha (float): Overlay opacity.
        min_height (int): Smallest image height of annotated panels
            (smaller pairs are enlarged by an integer factor).
        **kwargs: :class:`mmengine.visualization.Visualizer` arguments.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 alpha: float = 0.5,
                 min_height: int = MIN_HEIGHT,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.alpha = alpha
        self.min_height = min_height

    def draw_pair(self,
                  image_from: np.ndarray,
                  image_to: np.ndarray,
                  pred: np.ndarray,
                  label: Optional[np.ndarray] = None,
                  annotate: bool = False) -> np.ndarray:
        """Compose the ``A | B | overlay`` panel.

        Args:
            image_from (np.ndarray): (H, W, 3) RGB date A.
            image_to (np.ndarray): (H, W, 3) RGB date B.
            pred (np.ndarray): (H, W) 0/1 prediction.
            label (np.ndarray, optional): (H, W) ground truth.
            annotate (bool): Add titles and a legend, enlarge small pairs.

        Returns:
            np.ndarray: The RGB panel, (H, 3W + 2 gaps, 3) when plain.
        """
        overlay = overlay_changes(image_to, pred, label, self.alpha)
        if annotate:
            third = ('prediction vs label' if label is not None else
                     'predicted change')
            return compose_panel([image_from, image_to, overlay],
                                 ['date A', 'date B', third],
                                 change_legend(label is not None),
                                 self.min_height, _GAP)
        height = image_from.shape[0]
        gap = np.full((height, _GAP, 3), 255, dtype=np.uint8)
        return np.concatenate([image_from, gap, image_to, gap, overlay],
                              axis=1)

    def add_datasample(self,
                       name: str,
                       image_from: np.ndarray,
                       image_to: np.ndarray,
                       data_sample,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       mask_file: Optional[str] = None,
                       annotate: bool = False) -> np.ndarray:
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
            mask_file (str, optional): Where the mask goes instead of
                ``<dir>/masks/<file name>``.
            annotate (bool): Titles, legend and minimum size
                (:meth:`draw_pair`).

        Returns:
            np.ndarray: The panel.
        """
        pred = data_sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
        label = None
        if 'gt_sem_seg' in data_sample:
            label = data_sample.gt_sem_seg.data.squeeze(0).cpu().numpy()
        panel = self.draw_pair(image_from, image_to, pred, label, annotate)
        if annotate and 'pred_sem_seg_from' in data_sample and \
                'semantic_classes' in (self.dataset_meta or {}):
            maps = [data_sample.get(f'pred_sem_seg_{date}').data.squeeze(
                0).cpu().numpy() for date in ('from', 'to')]
            panel = scd_panel(
                image_from, image_to,
                overlay_changes(image_to, pred, label, self.alpha), *maps,
                *semantic_classes_of(data_sample, self.dataset_meta),
                change_legend(label is not None), self.min_height)
        self.set_image(panel)
        if out_file is None:
            self.add_image(name, panel, step)
            return panel
        folder, file_name = osp.split(out_file)
        mask_file = mask_file or osp.join(folder, 'masks', file_name)
        os.makedirs(osp.dirname(mask_file) or '.', exist_ok=True)
        mmcv.imwrite(mmcv.rgb2bgr(panel), out_file)
        mmcv.imwrite((pred > 0).astype(np.uint8) * 255, mask_file)
        return panel
