"""Convert an official ChangeFine checkpoint to a changefine-mm checkpoint.

The official trainer (whudk/ChangeFine) writes ``{'config_dict': ...,
'state_dict': ...}``. The keys are renamed with
:func:`changefine_mm.models.utils.official_names.official_to_ours`; dead
parameters, the prompt token buffers and (paper mode) the modules paper
mode does not build are dropped. The frozen SAM/CLIP weights are not part
of either format: they come from their release files.

Example:
    python tools/model_converters/changefine_official_to_mm.py \\
        levircd_max_performance.pth checkpoints/changefine_levircd_official.pth
    python tools/test.py configs/changefine/changefine_levircd_official.py \\
        checkpoints/changefine_levircd_official.pth

The file is read with ``weights_only=True``; a file that needs full
unpickling is refused unless ``--trust-checkpoint`` is given (only for
files you trust: unpickling can run code).
"""
import argparse
import json
import os
import os.path as osp
from collections import Counter
from typing import List, Optional

import torch

from changefine_mm.models.utils.official_names import \
    convert_official_state_dict
from changefine_mm.utils import load_checkpoint_file


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official checkpoint file')
    parser.add_argument('dst', help='output file (changefine-mm layout)')
    parser.add_argument(
        '--mode', default='official', choices=['official', 'paper'],
        help='mode of the config that will load the weights (default: '
        'official, the mode the weights were trained in)')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow full unpickling of SRC (only for files you trust)')
    return parser.parse_args(argv)


def plain_config(config: object) -> Optional[object]:
    """``config`` if it is plain JSON data (kept in the output's meta so
    that the output stays loadable with ``weights_only=True``), else
    None."""
    try:
        return json.loads(json.dumps(config))
    except (TypeError, ValueError):
        return None


def convert(src: str, dst: str, mode: str = 'official',
            trust: bool = False) -> dict:
    """Convert ``src`` and write ``dst``.

    Args:
        src (str): Official checkpoint (a dict with ``state_dict``, or a
            bare state dict).
        dst (str): Output path; folders are created.
        mode (str): Mode of the model that will load the weights.
        trust (bool): Allow full unpickling of ``src``.

    Returns:
        dict: The written checkpoint (``meta``, ``state_dict``).

    Raises:
        KeyError: If ``src`` holds no state dict.
        ValueError: For keys that are not official ChangeFine keys.
    """
    checkpoint = load_checkpoint_file(src, trust=trust or None)
    if not isinstance(checkpoint, dict):
        raise KeyError(f'{src} does not hold a dict but a '
                       f'{type(checkpoint).__name__}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise KeyError(f'{src} has no state_dict of tensors (keys: '
                       f'{sorted(checkpoint)[:8]})')
    try:
        converted, dropped = convert_official_state_dict(state_dict, mode)
    except ValueError as err:
        raise ValueError(f'{src}: {err}') from err
    meta = dict(converted_from=osp.basename(src), changefine_mode=mode,
                dropped_official_keys=dropped)
    official_config = plain_config(checkpoint.get('config_dict'))
    if official_config is not None:
        meta['official_config'] = official_config
    output = dict(meta=meta, state_dict=converted)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(output, dst)
    return output


def summary(output: dict) -> str:
    """One line per part: how many tensors were kept or dropped."""
    kept = Counter(k.split('.')[0] for k in output['state_dict'])
    dropped = Counter(
        k.split('.')[0] for k in output['meta']['dropped_official_keys'])
    lines = [f'kept {sum(kept.values())} tensors: {dict(kept)}',
             f'dropped {sum(dropped.values())} official tensors (by official '
             f'module): {dict(dropped)}']
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    output = convert(args.src, args.dst, args.mode, args.trust_checkpoint)
    print(summary(output))
    print(f'wrote {args.dst} (model.mode={args.mode!r})')
    return output


if __name__ == '__main__':
    main()
