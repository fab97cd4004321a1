"""CrossPerceptionModule (CPFM): bi-temporal interaction of one scale."""
from typing import Optional, Tuple

from mmseg.utils import ConfigType
from timm.layers import Attention
from torch import Tensor, nn

from ..utils.mlp import Mlp
from .difference_moe_fusion import DifferenceMoEFusion
from .gated_channel_attention import GatedChannelAttention
from .neighborhood_cross_attention import NeighborhoodCrossAttention

CPFM_MODES = ('official', 'paper')


class CrossPerceptionModule(nn.Module):
    """Cross-Perception Feature Module: fuse the two dates' token maps of
    one scale into one change-aware token map (paper: CPFM; official:
    ``models/attention.py::Cross_Modal_Attention`` with
    ``feats_fusion='SCAM'``, ``feats_exchange=None``, one of the four
    ``interacts.i``).

    Steps, with e1/e2 the two dates:

    1. ``e = LayerNorm(GELU(Linear(x)))`` shared by both dates (``embed``).
    2. Neighbourhood cross attention (``fusion``), added to e2.
    3. ``e2 = e2 + mlp(norm_fuse(e2))``.
    4. Gated MoE of ``norm1(e1)``, ``norm1(e2)`` (``moe``).
    5. ``x = ch_attn(norm1(moe))``: gated channel attention; its residual
       goes around the normalised input, as in the official code.
    6. ``x = x + attn(norm2(x))``: spatial multi-head self attention.

    ``mode='official'`` reproduces the official code (golden parity):

    * neighbourhood weights uniform (a plain 3x3 sum), missing border
      neighbours replaced by copies of the first valid neighbour;
    * the query is built from e1's neighbourhood and e2 is key/value
      (as coded; the paper figure draws the reverse);
    * the channel-attention gate starts at 0 (identity at init);
    * Mlps and the channel-attention weights use DropPath (per-sample)
      regularisation.

    ``mode='paper'`` follows the paper's description instead:

    * real neighbourhood attention: softmax over the 3x3 window of scaled
      dot products with the centre token, border slots masked;
    * the query is built from e2's neighbourhood and e1 is key/value, so
      the cross-attention output is aligned with the e2 tokens it is added
      to (figure: Q from I2, K/V from I1);
    * the channel-attention gate starts at ``channel_gate_init`` (default
      1.0), so q/k/v/proj learn from the first step;
    * Mlps and channel-attention weights use element-wise Dropout.

    Both modes have the same parameters. Not built (official dead
    parameters): ``norm``, ``norm3`` and ``ch_attn.norm``.

    Args:
        in_channels (int): Channels of the input tokens (SAM width, 768).
        dim (int): Interaction width (512).
        num_heads (int): Heads of all three attentions (16).
        mlp_ratio (float): Hidden ratio of the two Mlps (4).
        drop (float): Mlp DropPath/Dropout and Dropout2d rate (0.1).
        attn_drop (float): Rate on attention weights (0.1).
        neighbor_radius (int): Neighbourhood radius (1 = 3x3).
        mode (str): 'official' or 'paper'.
        channel_gate_init (float, optional): Initial channel-attention gate;
            None = 0.0 in official mode, 1.0 in paper mode.
        norm_cfg (dict): Norm of the MoE difference convolution.
    """

    def __init__(self,
                 in_channels: int = 768,
                 dim: int = 512,
                 num_heads: int = 16,
                 mlp_ratio: float = 4.,
                 drop: float = 0.1,
                 attn_drop: float = 0.1,
                 neighbor_radius: int = 1,
                 mode: str = 'official',
                 channel_gate_init: Optional[float] = None,
                 norm_cfg: ConfigType = dict(type='BN')) -> None:
        super().__init__()
        if mode not in CPFM_MODES:
            raise ValueError(f'mode must be one of {CPFM_MODES}, got '
                             f'{mode!r}')
        self.mode = mode
        official = mode == 'official'
        drop_mode = 'path' if official else 'element'
        if channel_gate_init is None:
            channel_gate_init = 0. if official else 1.
        hidden = int(dim * mlp_ratio)

        self.embed = nn.Sequential(
            nn.Linear(in_channels, dim), nn.GELU(), nn.LayerNorm(dim))
        self.fusion = NeighborhoodCrossAttention(
            dim, num_heads, neighbor_radius,
            weighting='uniform' if official else 'softmax')
        self.norm_fuse = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, hidden, dim, drop, drop_mode)
        self.norm1 = nn.LayerNorm(dim)
        self.moe = DifferenceMoEFusion(dim, mlp_ratio, drop, drop_mode,
                                       norm_cfg)
        self.ch_attn = GatedChannelAttention(dim, num_heads, attn_drop,
                                             drop_mode, channel_gate_init)
        self.norm2 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads, qkv_bias=False,
                              attn_drop=attn_drop)

    def forward(self, x1: Tensor, x2: Tensor, grid: Tuple[int, int]) -> Tensor:
        """Fuse the two dates of one scale.

        Args:
            x1 (Tensor): [B, N, C_in] date-1 tokens, row-major grid.
            x2 (Tensor): [B, N, C_in] date-2 tokens.
            grid (tuple[int, int]): (height, width), height*width = N.

        Returns:
            Tensor: [B, N, dim] fused tokens.
        """
        if x1.shape != x2.shape or x1.shape[1] != grid[0] * grid[1]:
            raise ValueError(
                f'CPFM expects two [B, N, C] token maps of one {grid} grid, '
                f'got {tuple(x1.shape)} and {tuple(x2.shape)}')
        e1 = self.embed(x1)
        e2 = self.embed(x2)
        if self.mode == 'official':
            e2 = e2 + self.fusion(e1, e2, grid)
        else:
            e2 = e2 + self.fusion(e2, e1, grid)
        e2 = e2 + self.mlp(self.norm_fuse(e2))
        x = self.moe(self.norm1(e1), self.norm1(e2), grid)
        x = self.ch_attn(self.norm1(x))
        return x + self.attn(self.norm2(x))
