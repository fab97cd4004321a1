"""Official ChangeCLIP checkpoint names -> our ChangeCLIP model's names.

The official ``ChangeCLIP`` segmentor (``segmentors/ChangeCLIPCD.py`` of
github.com/dyzy41/ChangeCLIP) and the package's
``TextConditionedChangeDetector`` with ChangeCLIP's configs hold the same
weights; the backbone, text encoder, context decoder, FPN neck, ``gamma``
and ``conv_seg`` keep their names, the others are renamed:

* ``contexts2`` -> ``text_encoder.contexts``;
* the ViT's bare ``GroupNorm`` adapter ``backbone.fpn{i}.{weight,bias}``
  -> ``backbone.fpn{i}.0.*``;
* ``minus_conv.i.*`` -> ``minus_convs.i.*``;
* ``channel_att.i.conv{1,2}.*`` (``SELayer_v2``'s squeeze-excitation) ->
  ``fusions.i.0.conv{1,2}.*``, ``channel_att.i.conv_last.*`` ->
  ``fusions.i.1.*``;
* ``decode_head.linear{A,B}.*`` -> ``decode_head.text_proj_{a,b}.*``;
* ``decode_head.layer{k}`` (``Swin_Decoder``) -> ``decode_head.stages.
  {k-1}``: ``up.up.up.{i}.*`` -> ``up.{i-1}.*`` (we have no
  ``nn.Upsample`` entry), ``up.conv_relu.*`` -> ``post.*``, ``conv2.*``
  -> ``skip.*``, ``conv_relu.*`` -> ``fuse.*``, and in block
  ``j`` of ``up.layer.blocks``: ``low_rank_bilinear.W{Q,K,V}`` and ``proj``
  -> ``text_attns.j.{q,k,v,proj}``, ``attn.*`` -> ``blocks.j.attn.w_msa.*``,
  ``mlp.fc1`` / ``mlp.fc2`` -> ``blocks.j.ffn.layers.0.0`` /
  ``blocks.j.ffn.layers.1``, ``norm{1,2}`` unchanged.
"""
import re
from typing import Dict, List, Tuple

from torch import Tensor

from changefine_mm.models.utils.state_dict_renaming import \
    rename_state_dict

_STAGE = r'decode_head\.stages\.(\d)\.'
_BLOCK = _STAGE + r'up\.layer\.blocks\.(\d+)\.'
# Applied after ``decode_head.layer{k}.`` -> ``decode_head.stages.{k-1}.``;
# (pattern, replacement), the first match wins.
_RULES = (
    (r'^contexts2$', 'text_encoder.contexts'),
    # The ViT's identity-scale adapter is a bare GroupNorm there.
    (r'^backbone\.fpn(\d)\.(weight|bias)$', r'backbone.fpn\1.0.\2'),
    (r'^minus_conv\.', 'minus_convs.'),
    (r'^channel_att\.(\d+)\.conv_last\.', r'fusions.\1.1.'),
    (r'^channel_att\.(\d+)\.', r'fusions.\1.0.'),
    (r'^decode_head\.linearA\.', 'decode_head.text_proj_a.'),
    (r'^decode_head\.linearB\.', 'decode_head.text_proj_b.'),
    (_BLOCK + r'low_rank_bilinear\.WQ\.',
     r'decode_head.stages.\1.text_attns.\2.q.'),
    (_BLOCK + r'low_rank_bilinear\.WK\.',
     r'decode_head.stages.\1.text_attns.\2.k.'),
    (_BLOCK + r'low_rank_bilinear\.WV\.',
     r'decode_head.stages.\1.text_attns.\2.v.'),
    (_BLOCK + r'proj\.', r'decode_head.stages.\1.text_attns.\2.proj.'),
    (_BLOCK + r'attn\.', r'decode_head.stages.\1.blocks.\2.attn.w_msa.'),
    (_BLOCK + r'mlp\.fc1\.',
     r'decode_head.stages.\1.blocks.\2.ffn.layers.0.0.'),
    (_BLOCK + r'mlp\.fc2\.',
     r'decode_head.stages.\1.blocks.\2.ffn.layers.1.'),
    (_BLOCK, r'decode_head.stages.\1.blocks.\2.'),
    (_STAGE + r'up\.conv_relu\.', r'decode_head.stages.\1.post.'),
    (_STAGE + r'conv2\.', r'decode_head.stages.\1.skip.'),
    (_STAGE + r'conv_relu\.', r'decode_head.stages.\1.fuse.'),
)


def _rename(key: str) -> str:
    key = re.sub(r'^decode_head\.layer(\d)\.',
                 lambda m: f'decode_head.stages.{int(m[1]) - 1}.', key)
    # The official up_conv starts with its nn.Upsample (index 0).
    key = re.sub(r'^(decode_head\.stages\.\d\.)up\.up\.up\.(\d)\.',
                 lambda m: f'{m[1]}up.{int(m[2]) - 1}.', key)
    for pattern, replacement in _RULES:
        match = re.match(pattern, key)
        if match is not None:
            return match.expand(replacement) + key[match.end():]
    return key


def convert_official_state_dict(
        state_dict: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename an official ChangeCLIP state dict (see the module docs).

    Args:
        state_dict (dict[str, Tensor]): The official segmentor's weights
            (a leading DDP ``module.`` is removed).

    Returns:
        tuple: our state dict, and the official keys that were renamed.

    Raises:
        ValueError: If two official keys map to one of ours.
    """
    result = rename_state_dict(state_dict, _rename)
    return result.state_dict, result.renamed
