"""NeighborhoodCrossAttention: local 3x3 aggregation as the query of a
cross attention between the two dates (the CPFM's first interaction)."""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..utils.traceable_attention import multihead_attention

WEIGHTINGS = ('uniform', 'softmax')


def neighbor_table(height: int, width: int, radius: int,
                   device: torch.device) -> Tuple[Tensor, Tensor]:
    """Neighbour indices of every token of a row-major ``height x width``
    grid, one slot per offset of the ``(2r+1)^2`` window in raster order.

    Args:
        height (int): Grid rows.
        width (int): Grid columns.
        radius (int): Window radius r.
        device (torch.device): Where the tables live.

    Returns:
        tuple[Tensor, Tensor]: ``index`` [N, K] (int64; a slot outside the
        grid holds the token itself) and ``valid`` [N, K] (bool).
    """
    rows = torch.arange(height, device=device).repeat_interleave(width)
    cols = torch.arange(width, device=device).repeat(height)
    steps = torch.arange(-radius, radius + 1, device=device)
    d_row = steps.repeat_interleave(len(steps))
    d_col = steps.repeat(len(steps))
    nbr_rows = rows[:, None] + d_row[None]
    nbr_cols = cols[:, None] + d_col[None]
    valid = ((nbr_rows >= 0) & (nbr_rows < height) & (nbr_cols >= 0)
             & (nbr_cols < width))
    centre = (rows * width + cols)[:, None].expand_as(nbr_rows)
    index = torch.where(valid, nbr_rows * width + nbr_cols, centre)
    return index, valid


def compact_neighbor_table(index: Tensor, valid: Tensor) -> Tensor:
    """The official padded layout: the valid neighbours of each token in
    raster order, then copies of its first valid neighbour.

    Args:
        index (Tensor): [N, K] from :func:`neighbor_table`.
        valid (Tensor): [N, K] from :func:`neighbor_table`.

    Returns:
        Tensor: [N, K] int64.
    """
    order = torch.argsort((~valid).to(torch.int8), dim=1, stable=True)
    compact = index.gather(1, order)
    filled = valid.gather(1, order)
    return torch.where(filled, compact, compact[:, :1])


class NeighborhoodCrossAttention(nn.Module):
    """Aggregate each token's neighbourhood in one date, normalise it, and
    use it as the query of multi-head attention over the other date.

    Corresponds to ``fusion`` of the official ``Cross_Modal_Attention`` in
    SCAM mode (neighbourhood search + ``nn.MultiheadAttention``; keys
    ``attn.*`` and ``neighbor_norm.*``). The neighbour tables are built with
    tensor ops once per grid size and device, then cached.

    ``weighting='uniform'`` reproduces the official code: its per-neighbour
    softmax runs over a size-1 axis, so every weight is 1 and the aggregate
    is the plain sum of the window; at the border the missing neighbours are
    replaced by copies of the first valid neighbour in raster order.
    ``weighting='softmax'`` is the neighbourhood attention the paper
    describes: weights ``softmax_k(<x_n, x_k> / sqrt(D))`` over the window,
    with the slots outside the grid masked out. Both weightings use the
    same (parameter-free) aggregation, so they share weights.

    Args:
        dim (int): Token channels D.
        num_heads (int): Heads of the cross attention.
        radius (int): Window radius (1 = 3x3). Defaults to 1.
        weighting (str): 'uniform' (official) or 'softmax' (paper).
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 radius: int = 1,
                 weighting: str = 'uniform') -> None:
        super().__init__()
        if weighting not in WEIGHTINGS:
            raise ValueError(f'weighting must be one of {WEIGHTINGS}, got '
                             f'{weighting!r}')
        self.radius = radius
        self.weighting = weighting
        self.attn = nn.MultiheadAttention(dim, num_heads, batch_first=True)
        self.neighbor_norm = nn.LayerNorm(dim)
        self._tables: Dict[tuple, Tuple[Tensor, Tensor]] = {}

    def _table(self, grid: Tuple[int, int],
               device: torch.device) -> Tuple[Tensor, Tensor]:
        """Cached (index, valid) tables in the layout of the weighting.

        While tracing (ONNX export) the grid holds traced sizes: the tables
        are built in the graph and not cached.
        """
        key = (grid, device)
        if key in self._tables:
            return self._tables[key]
        index, valid = neighbor_table(*grid, self.radius, device)
        if self.weighting == 'uniform':
            index = compact_neighbor_table(index, valid)
        if not torch.jit.is_tracing():
            self._tables[key] = (index, valid)
        return index, valid

    def aggregate(self, x: Tensor, grid: Tuple[int, int]) -> Tensor:
        """Neighbourhood aggregate of every token (before ``neighbor_norm``).

        Args:
            x (Tensor): [B, N, D] tokens of a row-major ``grid``.
            grid (tuple[int, int]): (height, width), height*width = N.

        Returns:
            Tensor: [B, N, D].
        """
        index, valid = self._table(grid, x.device)
        neighbours = x[:, index]  # [B, N, K, D]
        if self.weighting == 'uniform':
            return neighbours.sum(dim=2)
        logits = torch.einsum('bnd,bnkd->bnk', x, neighbours)
        logits = logits / x.shape[-1]**0.5
        weights = F.softmax(logits.masked_fill(~valid, float('-inf')), dim=-1)
        return torch.einsum('bnk,bnkd->bnd', weights, neighbours)

    def forward(self, query_source: Tensor, key_value: Tensor,
                grid: Tuple[int, int]) -> Tensor:
        """Cross attention from the aggregated ``query_source`` tokens.

        Args:
            query_source (Tensor): [B, N, D] tokens whose neighbourhoods form
                the queries.
            key_value (Tensor): [B, N, D] tokens attended to.
            grid (tuple[int, int]): (height, width) of both token grids.

        Returns:
            Tensor: [B, N, D], one output per query token.
        """
        query = self.neighbor_norm(self.aggregate(query_source, grid))
        if torch.jit.is_tracing():
            # nn.MultiheadAttention fixes the token count in an ONNX trace.
            return multihead_attention(self.attn, query, key_value, key_value)
        out, _ = self.attn(query, key_value, key_value, need_weights=False)
        return out
