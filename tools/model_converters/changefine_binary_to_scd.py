"""Start a ChangeFineSCD from a trained binary ChangeFine checkpoint.

Reads a checkpoint that tools/train.py wrote for a binary ChangeFine
config (e.g. on LEVIR-CD), builds the ChangeFineSCD of SCD_CONFIG and
writes its complete state dict: the change branch (SAM-CLIP fusion, CoOp
context, CPFM neck, prompt change decoder) from the binary checkpoint, the
land-cover head and every tensor that does not fit at the SCD model's
initialisation. Tensors whose shape depends on the number of class prompts
K (the score-map fusions; the binary model's K comes from its
``class_names``, the SCD model's from the land-cover names) are carried
over only when both models prompt with the same class names. The tool
prints the skipped keys with the reason and the SCD keys left at their
initialisation; the output's ``meta`` lists them all.

Example:
    python tools/model_converters/changefine_binary_to_scd.py \\
        work_dirs/changefine_levircd/iter_40000.pth \\
        configs/scd/changefine_scd_second.py \\
        checkpoints/changefine_scd_from_levircd.pth
    python tools/train.py configs/scd/changefine_scd_second.py \\
        --cfg-options load_from=checkpoints/changefine_scd_from_levircd.pth

Why a converter and not a model option (``init_from_binary=PATH``): the
output is an ordinary ChangeFineSCD checkpoint, loaded by mmengine's own
``load_from`` without a missing or mismatched key, so the SCD config and
model stay unaware of binary checkpoints; the report is printed once and
kept with the file instead of at every build; a resumed or tested run
never needs the binary file; and the conversion is checked once, before
any training starts. ``init_cfg=dict(type='Pretrained')`` cannot do it:
the change decoder is ``decode_head.*`` in one model and
``decode_head.binary_cd_head.*`` in the other, and the K-dependent
tensors would fail or load silently mis-assigned.

The frozen SAM/CLIP encoders are not part of either checkpoint (they come
from their weight files), so the model is built without those files. The
input is read with ``weights_only=True``; a file that needs full
unpickling is refused unless ``--trust-checkpoint`` is given.
"""
import argparse
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction

import changefine_mm
from changefine_mm.models.utils.binary_to_scd import (
    CarryOver, build_for_state_dict, carry_over, check_binary_changefine,
    checkpoint_model_cfg, class_dependent_keys)
from changefine_mm.utils import load_checkpoint_file


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('binary', help='binary ChangeFine checkpoint')
    parser.add_argument('scd_config', help='ChangeFineSCD config to train')
    parser.add_argument('out', help='output ChangeFineSCD checkpoint')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='config overrides, as given to tools/train.py')
    parser.add_argument(
        '--allow-mismatch', action='store_true',
        help='skip (and list) tensors of another shape outside the '
        'class-dependent layers instead of refusing BINARY')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow full unpickling of BINARY (only for files you trust)')
    return parser.parse_args(argv)


def scd_model_cfg(config: str, options: Optional[dict] = None) -> Config:
    """The ChangeFineSCD model config of ``config``.

    Args:
        config (str): Config file.
        options (dict, optional): Overrides (``--cfg-options``).

    Returns:
        Config: ``cfg.model``.

    Raises:
        ValueError: If the config's model is not a ChangeFineSCD.
    """
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    if cfg.model.get('type') != 'ChangeFineSCD':
        raise ValueError(
            f'{config}: model.type is {cfg.model.get("type")!r}; give a '
            'ChangeFineSCD config, e.g. configs/scd/changefine_scd_second.py')
    return cfg.model


def read_binary(path: str,
                trust: bool = False) -> Tuple[Dict[str, torch.Tensor], dict]:
    """The state dict of ``path`` (checked) and its ``meta``.

    Args:
        path (str): Binary ChangeFine checkpoint.
        trust (bool): Allow full unpickling.

    Returns:
        tuple: The state dict and the ``meta`` entry ({} if none).

    Raises:
        ValueError: If the file holds no state dict of tensors or is not a
            binary ChangeFine checkpoint; the message names the file.
    """
    checkpoint = load_checkpoint_file(path, trust=trust or None)
    state = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else None
    if not state or not all(isinstance(v, torch.Tensor)
                            for v in state.values()):
        raise ValueError(f'{path} holds no state dict of tensors; give a '
                         'checkpoint written by tools/train.py')
    check_binary_changefine(state, path)
    return state, checkpoint.get('meta', {})


def class_note(binary_model: Optional[dict],
               scd_names: Sequence[str]) -> Optional[str]:
    """Why the K-dependent tensors cannot be carried over, or None when
    the binary model prompted with the SCD model's class names."""
    names = None
    if binary_model is not None:
        names = (binary_model.get('backbone') or {}).get('class_names')
    if not isinstance(names, (list, tuple)):
        return ('depends on the class prompts; the checkpoint holds no '
                'config naming its classes')
    if list(names) == list(scd_names):
        return None
    return (f'depends on the class prompts: binary {list(names)} '
            f'(K={len(names)}) vs SCD {list(scd_names)} '
            f'(K={len(scd_names)})')


def convert(binary: str, scd_config: str, out: str,
            options: Optional[dict] = None, trust: bool = False,
            allow_mismatch: bool = False) -> dict:
    """Convert ``binary`` for the model of ``scd_config``; write ``out``.

    Args:
        binary (str): Binary ChangeFine checkpoint.
        scd_config (str): ChangeFineSCD config.
        out (str): Output path; folders are created.
        options (dict, optional): Config overrides.
        trust (bool): Allow full unpickling of ``binary``.
        allow_mismatch (bool): Skip other tensors of another shape instead
            of refusing ``binary`` (see :func:`carry_over`).

    Returns:
        dict: The written checkpoint (``meta``, ``state_dict``).
    """
    changefine_mm.register_all_modules()
    model_cfg = scd_model_cfg(scd_config, options)
    state, meta = read_binary(binary, trust)
    binary_model = checkpoint_model_cfg(meta)
    scd_names = list(model_cfg.backbone.class_names)
    result = carry_over(
        state, build_for_state_dict(model_cfg).state_dict(),
        class_dependent_keys(model_cfg), class_note(binary_model, scd_names),
        binary, allow_mismatch)
    output = dict(
        meta=dict(
            converted_from=osp.basename(binary),
            scd_config=scd_config,
            binary_mode=None if binary_model is None else
            binary_model.get('mode', 'paper'),
            scd_mode=model_cfg.get('mode', 'paper'),
            copied_keys=result.copied,
            skipped_keys=result.skipped,
            fresh_keys=result.fresh,
            unused_binary_keys=result.unused),
        state_dict=result.state_dict)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(output, out)
    return output


def summary(result: CarryOver, meta: dict) -> str:
    """The report: counts per part, every skipped key with its reason."""
    lines = [f'copied {len(result.copied)} tensors: '
             f'{dict(_parts(result.copied))}']
    for key, why in result.skipped.items():
        lines.append(f'skipped {key} (left at its initialisation): {why}')
    lines.append(f'new in the SCD model, left at their initialisation: '
                 f'{len(result.fresh)} tensors: {dict(_parts(result.fresh))} '
                 "(every name in the output's meta['fresh_keys'])")
    if result.unused:
        lines.append(f'binary tensors with no SCD counterpart (dropped): '
                     f'{result.unused}')
    if meta['binary_mode'] not in (None, meta['scd_mode']):
        lines.append(f'WARNING: the binary model ran in mode '
                     f'{meta["binary_mode"]!r}, the SCD config in '
                     f'{meta["scd_mode"]!r}: to keep the modules of that '
                     'mode, convert and train with --cfg-options '
                     f'model.mode={meta["binary_mode"]}')
    return '\n'.join(lines)


def _parts(keys: Sequence[str]) -> Counter:
    """Tensors per module, named by their first three key parts."""
    return Counter('.'.join(k.split('.')[:3]) for k in keys)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    output = convert(args.binary, args.scd_config, args.out,
                     args.cfg_options, args.trust_checkpoint,
                     args.allow_mismatch)
    meta = output['meta']
    result = CarryOver(output['state_dict'], meta['copied_keys'],
                       meta['skipped_keys'], meta['fresh_keys'],
                       meta['unused_binary_keys'])
    print(summary(result, meta))
    print(f'wrote {args.out}; train with: python tools/train.py '
          f'{args.scd_config} --cfg-options load_from={args.out}')
    return output


if __name__ == '__main__':
    main()
