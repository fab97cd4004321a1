"""BEVTransformer: the full-attention variant of the BEV space converter."""
import torch
import torch.nn as nn

from changefine_mm.registry import MODELS
from .bev_converter import BEVConverter


@MODELS.register_module()
class BEVTransformer(BEVConverter):
    """Encoder-decoder transformer over one scale's tokens, then a 1x1 conv.

    Official class ``models/encoders/bev.py::BEVTransformer``
    (``bev_name: Transformer``): a :class:`BEVConverter` whose tokens are
    mixed by ``torch.nn.Transformer`` with the flattened map as both source
    and target sequence. Attention is
    quadratic in the number of tokens, so this variant suits coarse scales
    or small inputs; the paper's default is :class:`BEVLinearAttention`.
    There is no paper/official difference, hence no ``mode``.

    Args:
        in_channels (int): Channels of the input map (the model width).
        out_channels (int): Channels after the 1x1 projection.
        num_heads (int): Attention heads. Defaults to 8.
        num_encoder_layers (int): Defaults to 2.
        num_decoder_layers (int): Defaults to 2.
        feedforward_channels (int): FFN width. Defaults to 2048 (torch's).
        dropout (float): Dropout inside the transformer. Defaults to 0.1.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_heads: int = 8,
                 num_encoder_layers: int = 2,
                 num_decoder_layers: int = 2,
                 feedforward_channels: int = 2048,
                 dropout: float = 0.1,
                 init_cfg=None) -> None:
        super().__init__(in_channels, out_channels, init_cfg=init_cfg)
        self.transformer = nn.Transformer(
            d_model=in_channels,
            nhead=num_heads,
            num_encoder_layers=num_encoder_layers,
            num_decoder_layers=num_decoder_layers,
            dim_feedforward=feedforward_channels,
            dropout=dropout,
            batch_first=True)

    def mix(self, tokens: torch.Tensor) -> torch.Tensor:
        """Encoder-decoder attention of the tokens over themselves."""
        return self.transformer(tokens, tokens)
