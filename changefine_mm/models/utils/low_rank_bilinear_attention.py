"""LowRankBilinearAttention: image tokens read from the prompt embeddings."""
import torch
from torch import nn


class LowRankBilinearAttention(nn.Module):
    """Residual text injection: image tokens attend to the text tokens.

    The text injection of :class:`TextConditionedDecodeHead`: official
    ``LowRankBilinearAttention`` plus the ``proj`` that follows it in
    ChangeCLIP's ``SwinTransformerBlock`` (and CLIPFormer's
    ``CrossShapedGLAttention``). Queries come from the image tokens, keys
    and values from the (projected) prompt embeddings, both through a
    ``dim // 2`` bottleneck; the values are widened to ``2 * dim`` and
    projected back to ``dim``. The caller adds the output to the tokens.

    Args:
        dim (int): Width of the image and text tokens.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.q = nn.Linear(dim, dim // 2)
        self.k = nn.Linear(dim, dim // 2)
        self.v = nn.Linear(dim, dim * 2)
        self.proj = nn.Linear(dim * 2, dim)

    def forward(self, x: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """Compute the text update of the image tokens.

        Args:
            x (Tensor): (B, L, dim) image tokens.
            text (Tensor): (B, T, dim) text tokens.

        Returns:
            Tensor: (B, L, dim) update.
        """
        q, k = self.q(x), self.k(text)
        attn = (q @ k.transpose(-2, -1)) / q.shape[-1]**0.5
        return self.proj(attn.softmax(dim=-1) @ self.v(text))
