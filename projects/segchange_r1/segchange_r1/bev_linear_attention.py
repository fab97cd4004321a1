"""BEVLinearAttention: the per-scale "BEV space converter" of SegChange-R1."""
import torch
import torch.nn as nn

from changefine_mm.registry import MODELS
from .bev_converter import BEVConverter

_MODES = ('official', 'linear')


@MODELS.register_module()
class BEVLinearAttention(BEVConverter):
    """Linear-attention mapping of one scale's features into a shared space.

    Paper section 3.2 ("BEV Space Converter"); official class
    ``models/encoders/bev.py::BEVLinearAttention`` (with its
    ``LinearAttention``): a :class:`BEVConverter` whose tokens are mixed by
    a linear-complexity attention.

    ``mode='official'`` reproduces the released attention: one projection
    to ``3 * head_channels`` shared by all heads (``head_channels / heads``
    channels per head), keys soft-maxed over their *feature* axis and
    queries scaled by ``head_channels ** -0.5``. ``mode='linear'`` is the
    usual efficient attention (Shen et al.): per-head width
    ``head_channels``, keys soft-maxed over the *positions* and queries over
    their features, so every output token is a convex mix of values.

    Args:
        in_channels (int): Channels of the input map.
        out_channels (int): Channels after the 1x1 projection.
        num_heads (int): Attention heads. Defaults to 8.
        head_channels (int): Width of the q/k/v projection (official:
            shared by all heads; linear: per head). Defaults to 64.
        mode (str): 'official' or 'linear'. Defaults to 'official'.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_heads: int = 8,
                 head_channels: int = 64,
                 mode: str = 'official',
                 init_cfg=None) -> None:
        super().__init__(in_channels, out_channels, init_cfg=init_cfg)
        if mode not in _MODES:
            raise ValueError(f'mode must be one of {_MODES}, got {mode!r}')
        if mode == 'official' and head_channels % num_heads:
            raise ValueError(
                f'official mode splits head_channels={head_channels} over '
                f'num_heads={num_heads}: it must be divisible')
        self.mode = mode
        self.num_heads = num_heads
        self.scale = head_channels**-0.5
        inner = head_channels if mode == 'official' else (head_channels *
                                                          num_heads)
        self.to_qkv = nn.Linear(in_channels, inner * 3, bias=False)
        self.to_out = nn.Linear(inner, in_channels)

    def mix(self, tokens: torch.Tensor) -> torch.Tensor:
        """Linear attention over (B, N, C) tokens.

        Args:
            tokens (Tensor): (B, N, C) input tokens.

        Returns:
            Tensor: (B, N, C) mixed tokens.
        """
        batch, num, _ = tokens.shape
        q, k, v = (t.reshape(batch, num, self.num_heads, -1).transpose(1, 2)
                   for t in self.to_qkv(tokens).chunk(3, dim=-1))
        if self.mode == 'official':
            q = q * self.scale
            k = k.softmax(dim=-1)
        else:
            q = q.softmax(dim=-1)
            k = k.softmax(dim=-2)
        context = torch.einsum('bhnd,bhne->bhde', k, v)
        out = torch.einsum('bhnd,bhde->bhne', q, context)
        return self.to_out(out.transpose(1, 2).reshape(batch, num, -1))
