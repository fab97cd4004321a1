"""Mlp: Linear-GELU-Linear with ChangeFine's choice of regulariser."""
from typing import Optional

# mmcv's DropPath draws torch.rand like the official helper (timm's uses
# bernoulli_), so seeded runs reproduce the official keep masks.
from mmcv.cnn.bricks.drop import DropPath
from timm.layers import Mlp as TimmMlp
from torch import nn

DROP_MODES = ('path', 'element')


class Mlp(TimmMlp):
    """Two-layer perceptron ``fc2(drop(act(fc1(x))))`` followed by ``drop``.

    Corresponds to the official ChangeFine ``models/attention.py::Mlp``
    (keys ``fc1.*``, ``fc2.*``). The official class regularises with
    per-sample stochastic depth (DropPath) at rate ``drop`` after the
    activation and after ``fc2``, not with element dropout; ``drop_mode``
    selects which of the two is used. Linear weights start from
    trunc-normal(0.02) with zero biases, as in the official class.

    Args:
        in_features (int): Input channels.
        hidden_features (int, optional): Hidden channels. Defaults to
            ``in_features``.
        out_features (int, optional): Output channels. Defaults to
            ``in_features``.
        drop (float): Drop rate of both regularisers. Defaults to 0.
        drop_mode (str): ``'path'`` = DropPath (official) or ``'element'``
            = ``nn.Dropout`` (timm's default Mlp). Defaults to 'path'.
    """

    def __init__(self,
                 in_features: int,
                 hidden_features: Optional[int] = None,
                 out_features: Optional[int] = None,
                 drop: float = 0.,
                 drop_mode: str = 'path') -> None:
        if drop_mode not in DROP_MODES:
            raise ValueError(f'drop_mode must be one of {DROP_MODES}, got '
                             f'{drop_mode!r}')
        super().__init__(
            in_features,
            hidden_features=hidden_features,
            out_features=out_features,
            act_layer=nn.GELU,
            drop=drop if drop_mode == 'element' else 0.)
        if drop_mode == 'path' and drop > 0:
            self.drop1 = DropPath(drop)
            self.drop2 = DropPath(drop)
        for fc in (self.fc1, self.fc2):
            nn.init.trunc_normal_(fc.weight, std=.02)
            nn.init.zeros_(fc.bias)
