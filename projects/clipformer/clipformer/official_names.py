"""Official CLIPFormer weight names -> our CLIPFormer model's names.

The official ``CLIPFormer`` segmentor (``CLIPFormer.py`` of
github.com/wujiang0156/CLIPformer) and the package's
``TextConditionedChangeDetector`` with CLIPFormer's configs hold the same
weights. The backbone (but its pool), text encoder, context decoder, FPN
neck, ``gamma`` and ``conv_seg`` keep their names; the others:

* detector (as ChangeCLIP's): ``contexts2`` -> ``text_encoder.contexts``,
  ``minus_conv.*`` -> ``minus_convs.*``, ``channel_att.i.conv{1,2}`` ->
  ``fusions.i.0.conv{1,2}``, ``channel_att.i.conv_last`` -> ``fusions.i.1``;
* ``backbone.glpool.proj`` -> ``backbone.proj``;
* difference pyramid (``get_optimal_dist``) -> ``change_cue.*``:
  ``linear_c{k}.proj`` -> ``embeds.{k-1}``, ``diff_c{k}`` -> ``diffs.{k-1}``,
  ``linear_fuse`` -> ``fuse``, ``convd2x.conv2d`` -> ``up``,
  ``dense_2x.0`` -> ``refine_up``, ``convd1x.conv2d`` -> ``mix`` (a 1x1
  transposed conv there, a 1x1 conv here: its weight is transposed),
  ``dense_1x.0`` -> ``refine``;
* head: ``decode_head.linear{A,B}`` -> ``decode_head.text_proj_{a,b}``,
  ``decode_head.layer{k}`` (``CSwin_Decoder``) -> ``decode_head.stages.
  {k-1}``: ``up.up.up.{i}`` -> ``up.{i-1}`` (we have no ``nn.Upsample``
  entry), ``up.conv_relu`` -> ``post``, ``conv2`` -> ``skip``,
  ``conv_relu`` -> ``fuse``, and of the block ``up.blk``:
  ``low_rank_bilinear.W{Q,K,V}`` and ``proj`` -> ``text_attns.0.{q,k,v,
  proj}``, ``projattn`` -> ``blocks.0.proj``, ``attns.i.get_v`` ->
  ``blocks.0.attns.i.lepe``, the rest -> ``blocks.0.*``.
"""
import re
from typing import Dict, List, Tuple

from torch import Tensor

from changefine_mm.models.utils.state_dict_renaming import \
    rename_state_dict

_STAGE = r'decode_head\.stages\.(\d)\.'
_BLOCK = _STAGE + r'up\.blk\.'
# Applied after ``decode_head.layer{k}.`` -> ``decode_head.stages.{k-1}.``
# and ``linear_c{k}`` / ``diff_c{k}`` -> level ``k-1``; the first match
# wins.
_RULES = (
    (r'^contexts2$', 'text_encoder.contexts'),
    (r'^minus_conv\.', 'minus_convs.'),
    (r'^channel_att\.(\d+)\.conv_last\.', r'fusions.\1.1.'),
    (r'^channel_att\.(\d+)\.', r'fusions.\1.0.'),
    (r'^backbone\.glpool\.proj$', 'backbone.proj'),
    (r'^linear_c(\d)\.proj\.', r'change_cue.embeds.\1.'),
    (r'^diff_c(\d)\.', r'change_cue.diffs.\1.'),
    (r'^linear_fuse\.', 'change_cue.fuse.'),
    (r'^convd2x\.conv2d\.', 'change_cue.up.'),
    (r'^dense_2x\.0\.', 'change_cue.refine_up.'),
    (r'^convd1x\.conv2d\.', 'change_cue.mix.'),
    (r'^dense_1x\.0\.', 'change_cue.refine.'),
    (r'^decode_head\.linearA\.', 'decode_head.text_proj_a.'),
    (r'^decode_head\.linearB\.', 'decode_head.text_proj_b.'),
    (_BLOCK + r'low_rank_bilinear\.WQ\.',
     r'decode_head.stages.\1.text_attns.0.q.'),
    (_BLOCK + r'low_rank_bilinear\.WK\.',
     r'decode_head.stages.\1.text_attns.0.k.'),
    (_BLOCK + r'low_rank_bilinear\.WV\.',
     r'decode_head.stages.\1.text_attns.0.v.'),
    (_BLOCK + r'proj\.', r'decode_head.stages.\1.text_attns.0.proj.'),
    (_BLOCK + r'projattn\.', r'decode_head.stages.\1.blocks.0.proj.'),
    (_BLOCK + r'attns\.(\d)\.get_v\.',
     r'decode_head.stages.\1.blocks.0.attns.\2.lepe.'),
    (_BLOCK, r'decode_head.stages.\1.blocks.0.'),
    (_STAGE + r'up\.conv_relu\.', r'decode_head.stages.\1.post.'),
    (_STAGE + r'conv2\.', r'decode_head.stages.\1.skip.'),
    (_STAGE + r'conv_relu\.', r'decode_head.stages.\1.fuse.'),
)
# Official 1-based indices that become 0-based, and the official
# up_conv's nn.Upsample (index 0) that we do not have.
_SHIFTS = (
    (r'^decode_head\.layer(\d)\.', 'decode_head.stages.{}.'),
    (r'^linear_c(\d)\.', 'linear_c{}.'),
    (r'^diff_c(\d)\.', 'diff_c{}.'),
    (r'^(decode_head\.stages\.\d\.)up\.up\.up\.(\d)\.', None),
)


def _rename(key: str) -> str:
    for pattern, template in _SHIFTS:
        if template is None:
            key = re.sub(pattern, lambda m: f'{m[1]}up.{int(m[2]) - 1}.',
                         key)
        else:
            key = re.sub(pattern,
                         lambda m, t=template: t.format(int(m[1]) - 1), key)
    for pattern, replacement in _RULES:
        match = re.match(pattern, key)
        if match is not None:
            return match.expand(replacement) + key[match.end():]
    return key


def convert_official_state_dict(
        state_dict: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename an official CLIPFormer state dict (see the module docs).

    Args:
        state_dict (dict[str, Tensor]): The official segmentor's weights
            (a leading DDP ``module.`` is removed).

    Returns:
        tuple: our state dict, and the official keys that were renamed.

    Raises:
        ValueError: If two official keys map to one of ours.
    """
    result = rename_state_dict(state_dict, _rename)
    weights = result.state_dict
    # A 1x1 transposed conv there, a 1x1 conv here.
    if 'change_cue.mix.weight' in weights:
        weights['change_cue.mix.weight'] = weights[
            'change_cue.mix.weight'].transpose(0, 1)
    return weights, result.renamed
