"""ChangeVisualizationHook: draw every test pair, not one in fifty."""
import os.path as osp
from typing import Optional, Sequence

import mmcv
from mmengine.hooks import Hook
from mmengine.visualization import Visualizer

from changefine_mm.registry import HOOKS
from changefine_mm.datasets.transforms.loading import display_image
from changefine_mm.utils.pair_names import output_stem, sample_pair_name


@HOOKS.register_module(
    name=['ChangeVisualizationHook', 'CDVisualizationHook'])
class ChangeVisualizationHook(Hook):
    """Write a ``A | B | TP/FP/FN overlay`` panel per test pair.

    Panels have column titles and a colour legend, and pairs lower than
    the visualizer's ``min_height`` (256 px) are enlarged.

    ``tools/test.py --show-dir DIR`` switches it on with ``draw=True`` and
    ``out_dir=DIR``: every ``interval``-th test pair (every pair by
    default) becomes ``DIR/<name>.png`` plus the plain mask in
    ``DIR/masks/<name>.png``, where ``<name>`` is the pair's path relative
    to its A folder without suffix (``s1/x`` for ``A/s1/x.png``), so
    pairs of nested folders keep apart. Also registered as open-cd's
    ``CDVisualizationHook``.

    Args:
        draw (bool): Whether to draw at all. Defaults to False.
        interval (int): Draw every ``interval``-th test iteration.
        out_dir (str, optional): Output folder; None logs the panels to
            the visualizer's backends instead.
        img_shape (tuple, optional): Accepted for open-cd configs; the
            panel always uses the image's own size.
        draw_on_from_to_img (bool): Accepted for open-cd configs; the
            overlay is always drawn on date B.
        show (bool): Accepted for open-cd configs; windows are never
            opened (use ``out_dir``).
        wait_time (float): Accepted for open-cd configs.
        backend_args (dict, optional): File backend for reading images.
    """

    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 interval: int = 1,
                 out_dir: Optional[str] = None,
                 img_shape: Optional[tuple] = None,
                 draw_on_from_to_img: bool = False,
                 show: bool = False,
                 wait_time: float = 0.,
                 backend_args: Optional[dict] = None) -> None:
        self.draw = draw
        self.interval = interval
        self.out_dir = out_dir
        self.backend_args = backend_args

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence) -> None:
        """Draw the pairs of one test batch."""
        if not self.draw or batch_idx % self.interval:
            return
        visualizer = Visualizer.get_current_instance()
        for sample in outputs:
            path_from, path_to = sample.img_path
            images = [
                mmcv.bgr2rgb(display_image(p, self.backend_args))
                for p in (path_from, path_to)
            ]
            name = output_stem(sample_pair_name(sample))
            out_file = mask_file = None
            if self.out_dir:
                out_file = osp.join(self.out_dir, name + '.png')
                mask_file = osp.join(self.out_dir, 'masks', name + '.png')
            visualizer.add_datasample(name, images[0], images[1], sample,
                                      out_file=out_file, step=runner.iter,
                                      mask_file=mask_file, annotate=True)
