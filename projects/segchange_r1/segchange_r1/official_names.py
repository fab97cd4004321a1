"""Official SegChange-R1 weight names -> ours (all but the timm backbone).

The official ``ChangeModel`` (github.com/Yu-Zhouz/SegChange-R1,
``models/segchange.py``) keeps the neck under ``fpn.`` and the mask head
under ``mask_head.``; :class:`SegChangeR1` calls them ``neck.`` and
``decode_head.``. Within them:

* neck (``models/neck/fpn.py``): ``scale_heads.i.0`` / ``.1`` ->
  ``scale_convs.i.conv`` / ``.gn``; ``fusion_conv`` (``LightweightFPN``'s
  bare conv) -> ``fusion``, or ``fusion_conv.0`` / ``.1``
  (``FPNFeatureFuser``) -> ``fusion.conv`` / ``.gn``; EGA:
  ``ega.scharr.conv_x`` / ``conv_y`` / ``norm`` -> ``ega.scharr_x`` /
  ``scharr_y`` / ``edge_norm.0``, ``ega.gaussian.gaussian`` / ``norm`` ->
  ``ega.gaussian.0`` / ``.1``, ``ega.conv_extra`` -> ``ega.out_conv``;
* mask head (``models/masks/mask.py``): ``d_projector.lang2vis`` / ``lin``
  -> ``projector.text_to_visual`` / ``out_proj``; every official
  ``MultiheadAttention`` (``d_projector.cross_attn``, the decoder's
  ``self_attn`` and ``cross_attn``) has separate ``in_proj_{q,k,v}``
  linears that become torch's stacked ``in_proj_weight`` / ``in_proj_bias``
  (the decoder's ``cross_attn`` is torch's ``multihead_attn``);
  ``transformer_decoder`` -> ``decoder``; ``query_embed`` unchanged;
  ``channel_attn`` ->
  ``channel_gate``; ``mask_head.0`` / ``1`` / ``3`` / ``4`` ->
  ``mask_convs.0.conv`` / ``0.gn`` / ``1.conv`` / ``1.gn`` and
  ``mask_head.6`` -> ``conv_seg``.

* BEV converter (``models/encoders/bev.py::BEVLinearAttention``):
  ``linear_attention.to_qkv`` / ``to_out`` -> ``to_qkv`` / ``to_out``,
  ``proj`` unchanged;
* difference module (``models/neck/feature_diff.py``): ``diff_conv.i.0``
  / ``.1`` -> ``fuse.i.conv`` / ``.bn``, where the official conv's bias
  (followed by BatchNorm) is folded into the running mean (``BN(x + b)``
  with mean ``m`` is ``BN(x)`` with mean ``m - b``); CBAM
  ``attention.i.channel_attention.1`` / ``.3`` ->
  ``attention.i.channel_mlp.0`` / ``.2``, ``spatial_attention`` ->
  ``spatial``.

Whole-model renaming (``convert_official_state_dict``) also maps the dual
encoder's 1x1 convs (``dual_encoder.conv_list``) and BEV modules; the timm
backbone inside it is returned unconverted.
"""
import re
from typing import Dict, Tuple

import torch
from torch import Tensor

_NECK_RULES = (
    (r'^scale_heads\.(\d+)\.0\.', r'scale_convs.\1.conv.'),
    (r'^scale_heads\.(\d+)\.1\.', r'scale_convs.\1.gn.'),
    (r'^fusion_conv\.0\.', 'fusion.conv.'),
    (r'^fusion_conv\.1\.', 'fusion.gn.'),
    (r'^fusion_conv\.', 'fusion.'),
    (r'^ega\.scharr\.conv_x\.', 'ega.scharr_x.'),
    (r'^ega\.scharr\.conv_y\.', 'ega.scharr_y.'),
    (r'^ega\.scharr\.norm\.', 'ega.edge_norm.0.'),
    (r'^ega\.gaussian\.gaussian\.', 'ega.gaussian.0.'),
    (r'^ega\.gaussian\.norm\.', 'ega.gaussian.1.'),
    (r'^ega\.conv_extra\.', 'ega.out_conv.'),
)
_HEAD_RULES = (
    (r'^d_projector\.lang2vis\.', 'projector.text_to_visual.'),
    (r'^d_projector\.lin\.', 'projector.out_proj.'),
    (r'^d_projector\.', 'projector.'),
    (r'^transformer_decoder\.layers\.(\d+)\.cross_attn\.',
     r'decoder.layers.\1.multihead_attn.'),
    (r'^transformer_decoder\.', 'decoder.'),
    (r'^channel_attn\.', 'channel_gate.'),
    (r'^query_embed\.', 'query_embed.'),
    (r'^mask_head\.0\.', 'mask_convs.0.conv.'),
    (r'^mask_head\.1\.', 'mask_convs.0.gn.'),
    (r'^mask_head\.3\.', 'mask_convs.1.conv.'),
    (r'^mask_head\.4\.', 'mask_convs.1.gn.'),
    (r'^mask_head\.6\.', 'conv_seg.'),
)
_BEV_RULES = (
    (r'^linear_attention\.', ''),
    (r'^proj\.', 'proj.'),
)
_DIFF_RULES = (
    (r'^diff_conv\.(\d+)\.0\.', r'fuse.\1.conv.'),
    (r'^diff_conv\.(\d+)\.1\.', r'fuse.\1.bn.'),
    (r'^attention\.(\d+)\.channel_attention\.1\.',
     r'attention.\1.channel_mlp.0.'),
    (r'^attention\.(\d+)\.channel_attention\.3\.',
     r'attention.\1.channel_mlp.2.'),
    (r'^attention\.(\d+)\.spatial_attention\.', r'attention.\1.spatial.'),
)
_IN_PROJ = re.compile(r'^(.*)\.in_proj_([qkv])\.(weight|bias)$')


def _rename(key: str, rules) -> str:
    for pattern, replacement in rules:
        match = re.match(pattern, key)
        if match is not None:
            return match.expand(replacement) + key[match.end():]
    raise ValueError(f'unknown official SegChange-R1 key {key!r}')


def _convert(state_dict: Dict[str, Tensor], rules) -> Dict[str, Tensor]:
    converted: Dict[str, Tensor] = {}
    stacks: Dict[Tuple[str, str], Dict[str, Tensor]] = {}
    for key, value in state_dict.items():
        match = _IN_PROJ.match(key)
        if match is not None:
            stacks.setdefault((match[1], match[3]), {})[match[2]] = value
        else:
            converted[_rename(key, rules)] = value
    for (attn, kind), parts in stacks.items():
        if sorted(parts) != ['k', 'q', 'v']:
            raise ValueError(f'{attn} lacks some of in_proj_q/k/v.{kind}')
        name = _rename(f'{attn}.out_proj.weight', rules)[:-len(
            'out_proj.weight')]
        converted[f'{name}in_proj_{kind}'] = torch.cat(
            [parts['q'], parts['k'], parts['v']])
    return converted


def convert_official_neck(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Rename an official ``LightweightFPN`` / ``FPNFeatureFuser`` state.

    Args:
        state_dict (dict[str, Tensor]): The official module's weights.

    Returns:
        dict[str, Tensor]: Weights of our neck.
    """
    return _convert(state_dict, _NECK_RULES)


def convert_official_mask_head(
        state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Rename an official ``MaskHead`` state dict (see the module docs).

    Args:
        state_dict (dict[str, Tensor]): The official module's weights.

    Returns:
        dict[str, Tensor]: Weights of our :class:`TextConditionedMaskHead`.
    """
    return _convert(state_dict, _HEAD_RULES)


def convert_official_bev(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Rename an official ``BEVLinearAttention`` state dict.

    Args:
        state_dict (dict[str, Tensor]): The official module's weights.

    Returns:
        dict[str, Tensor]: Weights of our ``BEVLinearAttention``.
    """
    return _convert(state_dict, _BEV_RULES)


def convert_official_difference(
        state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Rename an official ``FeatureDiffModule`` (CBAM) state dict.

    The fusing convs' biases are folded into the BatchNorm running means,
    since our convs before a norm have none.

    Args:
        state_dict (dict[str, Tensor]): The official module's weights.

    Returns:
        dict[str, Tensor]: Weights of our :class:`FeatureDiffModule`.
    """
    weights = dict(state_dict)
    biases = [k for k in weights if re.match(r'^diff_conv\.\d+\.0\.bias$', k)]
    for key in biases:
        mean = key.replace('.0.bias', '.1.running_mean')
        weights[mean] = weights[mean] - weights.pop(key)
    return _convert(weights, _DIFF_RULES)


def _lateral(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    return _convert(state_dict, ((r'^', 'lateral_convs.'), ))


def _bevs(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    converted: Dict[str, Dict[str, Tensor]] = {}
    for key, value in state_dict.items():
        index, rest = key.split('.', 1)
        converted.setdefault(index, {})[rest] = value
    return {f'bev.{i}.{k}': v for i, weights in converted.items()
            for k, v in convert_official_bev(weights).items()}


_PARTS = {
    'dual_encoder.conv_list.': ('backbone.', _lateral),
    'dual_encoder.bev.': ('backbone.', _bevs),
    'feature_diff.': ('difference_module.', convert_official_difference),
    'fpn.': ('neck.', convert_official_neck),
    'mask_head.': ('decode_head.', convert_official_mask_head),
}


def convert_official_state_dict(
        state_dict: Dict[str, Tensor]
) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
    """Rename an official ``ChangeModel`` state dict but its timm backbone.

    ``dual_encoder.conv_list.i`` becomes ``backbone.lateral_convs.i``,
    ``dual_encoder.bev.i`` ``backbone.bev.i`` (see
    :func:`convert_official_bev`), ``feature_diff`` ``difference_module``,
    ``fpn`` ``neck`` and ``mask_head`` ``decode_head``. The timm backbone
    (``dual_encoder.encoder.*``, a ``features_only`` model there) is
    returned apart: its names depend on timm's feature wrapper.

    Args:
        state_dict (dict[str, Tensor]): The official model's weights.

    Returns:
        tuple: our weights, and the official ``dual_encoder.encoder.*``
        weights left unconverted.

    Raises:
        ValueError: For a key of no known part.
    """
    parts: Dict[str, Dict[str, Tensor]] = {p: {} for p in _PARTS}
    encoder: Dict[str, Tensor] = {}
    for key, value in state_dict.items():
        if key.startswith('dual_encoder.encoder.'):
            encoder[key] = value
            continue
        prefix = next((p for p in _PARTS if key.startswith(p)), None)
        if prefix is None:
            raise ValueError(f'unknown official SegChange-R1 key {key!r}')
        parts[prefix][key[len(prefix):]] = value
    converted: Dict[str, Tensor] = {}
    for prefix, weights in parts.items():
        ours, convert = _PARTS[prefix]
        converted.update({ours + k: v for k, v in convert(weights).items()})
    return converted, encoder
