"""BitemporalAdapterHead: the bi-temporal adapter branch (Bi-TAB) of BAN.

Li et al., "A New Learning Paradigm for Foundation Model-based Remote
Sensing Change Detection", TGRS 2024 (Sec. III): a light side encoder
(SegFormer's MiT or a ResNet) reads each date's full-resolution image; at
chosen stages its features attend to the frozen foundation model's
features through bridging layers; a change decoder compares the dates.
Registry name, arguments and state-dict keys are open-cd's.
"""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model.weight_init import caffe2_xavier_init
from mmseg.models.backbones import MixVisionTransformer, ResNet
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import LayerNorm2d, nlc_to_nchw

from changefine_mm.registry import MODELS
from ..utils.ban_bridge import BridgeLayer

# Attention heads of the bridging layers after each ResNet stage (open-cd).
RESNET_BRIDGE_HEADS = (1, 2, 4, 8)


class BitemporalAdapterBranch(nn.Module):
    """Side encoder whose stages in ``fusion_index`` are fused with the
    foundation model's features (one per fused stage, in order).

    Args:
        clip_channels (int | list[int]): Channels of the foundation
            model's features (per side-encoder stage for MiT).
        fusion_index (list[int]): Side-encoder stages fused.
        side_enc_cfg (dict): Config of a MixVisionTransformer or a ResNet
            (e.g. ``mmseg.ResNetV1c``).
    """

    def __init__(self, clip_channels: Union[int, List[int]] = 768,
                 fusion_index: Sequence[int] = (0, 1, 2),
                 side_enc_cfg: dict = None) -> None:
        super().__init__()
        if side_enc_cfg is None:
            raise ValueError('BitemporalAdapterHead: ban_cfg.side_enc_cfg '
                             'is required (an mmseg.MixVisionTransformer '
                             'or mmseg.ResNetV1c config)')
        self.side_encoder = MODELS.build(side_enc_cfg)
        encoder = self.side_encoder
        if isinstance(encoder, MixVisionTransformer):
            heads = list(encoder.num_heads)
            channels = [n * encoder.embed_dims for n in heads]
        elif isinstance(encoder, ResNet):
            heads = list(RESNET_BRIDGE_HEADS)
            channels = [encoder.base_channels * 2**i for i in range(4)]
        else:
            raise TypeError(
                'BitemporalAdapterHead: side_enc_cfg type '
                f'{side_enc_cfg["type"]!r} is not supported; use an '
                'mmseg.MixVisionTransformer or an mmseg ResNet (ResNetV1c)')
        if isinstance(clip_channels, int):
            clip_channels = [clip_channels] * len(channels)
        self.clip_attns = nn.ModuleList(
            BridgeLayer(channels[i], heads[i]) for i in fusion_index)
        self.conv_clips = nn.ModuleList(
            nn.Sequential(
                LayerNorm2d(clip_channels[i]),
                ConvModule(clip_channels[i], channels[i], 1, norm_cfg=None,
                           act_cfg=None)) for i in fusion_index)
        self.fusion_index = list(fusion_index)

    def init_weights(self) -> None:
        """Side encoder's own init; Xavier for the projections."""
        self.side_encoder.init_weights()
        for conv_clip in self.conv_clips:
            caffe2_xavier_init(conv_clip[1].conv)

    def _fuse(self, x: torch.Tensor, features: list, fused: int,
              stage: int) -> Tuple[torch.Tensor, int]:
        """Fuse foundation feature ``fused`` into ``x`` if ``stage`` is
        listed; returns the features and the next feature index."""
        if stage not in self.fusion_index:
            return x, fused
        feature = features[fused]
        # A ViT with output_cls_token gives [map, cls token] per level.
        if isinstance(feature, (list, tuple)):
            feature = feature[0]
        projected = self.conv_clips[fused](feature.contiguous())
        return self.clip_attns[fused](x, projected), fused + 1

    def _forward_mit(self, x: torch.Tensor,
                     features: list) -> List[torch.Tensor]:
        outs, fused = [], 0
        for stage, (embed, blocks, norm) in enumerate(
                self.side_encoder.layers):
            x, hw_shape = embed(x)
            for block in blocks:
                x = block(x, hw_shape)
            x = nlc_to_nchw(norm(x), hw_shape)
            x, fused = self._fuse(x, features, fused, stage)
            outs.append(x)
        return outs

    def _forward_resnet(self, x: torch.Tensor,
                        features: list) -> torch.Tensor:
        encoder = self.side_encoder
        if encoder.deep_stem:
            x = encoder.stem(x)
        else:
            x = encoder.relu(encoder.norm1(encoder.conv1(x)))
        x = encoder.maxpool(x)
        fused = 0
        last = encoder.out_indices[-1]
        for stage, name in enumerate(encoder.res_layers[:last + 1]):
            x = getattr(encoder, name)(x)
            x, fused = self._fuse(x, features, fused, stage)
        return x

    def forward(self, image: torch.Tensor, features: list
                ) -> Union[torch.Tensor, List[torch.Tensor]]:
        """Encode one date.

        Args:
            image (Tensor): (B, 3, H, W) image at full resolution.
            features (list): The foundation model's levels for this date.

        Returns:
            list[Tensor] | Tensor: Every MiT stage, or the ResNet stage
            ``out_indices[-1]``.
        """
        if isinstance(self.side_encoder, MixVisionTransformer):
            return self._forward_mit(image, features)
        return self._forward_resnet(image, features)


@MODELS.register_module()
class BitemporalAdapterHead(BaseDecodeHead):
    """Bi-TAB: the adapter branch over both dates and a change decoder.

    Args:
        ban_cfg (dict): :class:`BitemporalAdapterBranch` arguments.
        ban_dec_cfg (dict): The change decoder (``BAN_MLPDecoder`` or
            ``BAN_BITHead``); its ``num_classes`` is the head's.
        **kwargs: :class:`BaseDecodeHead` arguments (``loss_decode``,
            ``align_corners``, ...).
    """

    def __init__(self, ban_cfg: dict, ban_dec_cfg: dict, **kwargs) -> None:
        super().__init__(in_channels=1, channels=1,
                         num_classes=ban_dec_cfg['num_classes'], **kwargs)
        # The change decoder classifies; the base head's classifier would
        # be an unused parameter.
        del self.conv_seg
        self.side_adapter_network = BitemporalAdapterBranch(**ban_cfg)
        self.mask_decoder = MODELS.build(ban_dec_cfg)

    def init_weights(self) -> None:
        """The adapter branch's init (the decoder keeps PyTorch's)."""
        self.side_adapter_network.init_weights()

    def forward(self, inputs: Sequence) -> torch.Tensor:
        """Change logits.

        Args:
            inputs (sequence): ``[img_a, img_b, features_a, features_b]``:
                the two (B, 3, H, W) images and the foundation model's
                levels of each.

        Returns:
            Tensor: Logits of the change decoder.
        """
        img_a, img_b, features_a, features_b = inputs
        return self.mask_decoder(
            self.side_adapter_network(img_a, features_a),
            self.side_adapter_network(img_b, features_b))
