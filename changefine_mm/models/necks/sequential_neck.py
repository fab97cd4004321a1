"""SequentialNeck: necks applied one after another (open-cd's
``SequentialNeck``, opencd/models/necks/sequential_neck.py).

Time Travelling Pixels fuses the dates with ``FeatureFusionNeck`` and
then builds a pyramid with :class:`SimpleFPN`. Each neck's output tuple
is unpacked into the next neck's positional arguments; keyword arguments
reach every neck. State-dict names: ``necks.<i>.*``.
"""
from typing import List, Optional

from mmengine.model import BaseModule
from torch import nn

from changefine_mm.registry import MODELS


@MODELS.register_module()
class SequentialNeck(BaseModule):
    """Chain of necks.

    Args:
        necks (list[dict]): The necks, in order.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, necks: List[dict],
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.necks = nn.ModuleList(MODELS.build(neck) for neck in necks)

    def forward(self, *args, **kwargs) -> tuple:
        """Run the necks in turn.

        Args:
            *args: The first neck's inputs (e.g. the two dates' features).
            **kwargs: Given to every neck.

        Returns:
            tuple: The last neck's outputs.
        """
        for neck in self.necks:
            args = neck(*args, **kwargs)
        return args
