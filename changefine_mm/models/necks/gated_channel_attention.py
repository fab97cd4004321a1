"""GatedChannelAttention: within-head channel gating with a learnable
scalar on the residual branch."""
import torch
from mmcv.cnn.bricks.drop import DropPath
from torch import Tensor, nn


class GatedChannelAttention(nn.Module):
    """``x + gate * proj(softmax_c(q * k / sqrt(d)) * v)`` per token.

    Corresponds to ``ch_attn`` = official ``ChannelsAttention`` inside
    ``Cross_Modal_Attention`` (keys ``q``, ``k``, ``v`` (bias-free),
    ``proj``, ``parm``). For each token and head, q and k are multiplied
    element-wise (q pre-scaled by ``head_dim^-0.5``), the softmax runs over
    the ``head_dim`` channels of the head, and the result gates v.

    The official gate ``parm`` starts at 0, so the module starts as the
    identity and its q/k/v/proj receive no gradient until the gate moves;
    ``gate_init`` sets the start value. The official regulariser on the
    attention weights is DropPath; ``drop_mode='element'`` uses Dropout. The
    official LayerNorm ``ch_attn.norm`` is never used and is not built.

    Args:
        dim (int): Token channels.
        num_heads (int): Heads; ``dim`` must be divisible by it.
        attn_drop (float): Drop rate on the attention weights.
        drop_mode (str): 'path' (official) or 'element'.
        gate_init (float): Initial value of the scalar gate.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 attn_drop: float = 0.,
                 drop_mode: str = 'path',
                 gate_init: float = 0.) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'dim {dim} is not divisible by num_heads '
                             f'{num_heads}')
        self.num_heads = num_heads
        self.scale = (dim // num_heads)**-0.5
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.parm = nn.Parameter(torch.full((1, ), float(gate_init)))
        if attn_drop == 0:
            self.attn_drop = nn.Identity()
        elif drop_mode == 'path':
            self.attn_drop = DropPath(attn_drop)
        else:
            self.attn_drop = nn.Dropout(attn_drop)

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (Tensor): [B, N, C]. Returns: Tensor [B, N, C]."""
        batch, num, channels = x.shape
        heads = (batch, num, self.num_heads, channels // self.num_heads)
        q = (self.q(x) * self.scale).view(heads)
        k = self.k(x).view(heads)
        v = self.v(x).view(heads)
        attn = self.attn_drop((q * k).softmax(dim=-1))
        y = self.proj((attn * v).reshape(batch, num, channels))
        return x + self.parm * y
