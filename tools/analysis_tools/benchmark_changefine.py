"""FLOPs, speed and peak memory of ChangeFine (full size, random weights).

FLOPs are counted with torch's ``FlopCounterMode`` (2 x multiply-adds;
nn.MultiheadAttention's fused inference path is switched off while counting
so that its projections are counted too) for one image pair, once for the
evaluation forward (steady state: constant text embeddings are cached) and
once for the training forward. The training forward also checks that the
frozen SAM and CLIP image encoders build no autograd graph.

Speed and peak memory are measured on CPU, each batch size in a fresh
process: pairs per second of the evaluation forward (``torch.no_grad``) and
the peak resident set size of that process.

Example:
    python tools/analysis_tools/benchmark_changefine.py
    python tools/analysis_tools/benchmark_changefine.py \\
        --modes paper official --batch-sizes 1 8 --out work_dirs/bench.md
"""
import argparse
import multiprocessing
import resource
import time
from typing import Dict, List, Optional

import torch
from mmengine.config import Config
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import changefine_mm
from changefine_mm.registry import MODELS

DEFAULT_CONFIG = 'configs/changefine/changefine_levircd.py'
# Rows of the FLOPs table: (label, module path inside the model).
PARTS = (
    ('SAM ViT-B image encoder (frozen)', 'backbone.image_encoder'),
    ('CLIP ViT-B/16 image encoder (frozen)', 'backbone.clip_image_encoder'),
    ('CLIP text tower (frozen)', 'backbone.text_encoder'),
    ('SCFE fusion', 'backbone.fusion'),
    ('4 x CPFM', 'neck.interacts'),
    ('score fusion', 'neck.fusion_score'),
    ('pseudo-pyramid UPerNet', 'neck.neck'),
    ('MoE map fusion + residual block', 'neck.embed_feats'),
    ('PCD (coarse head, prompts, decoder passes)', 'decode_head'),
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help=f'ChangeFine config (default {DEFAULT_CONFIG})')
    parser.add_argument('--modes', nargs='+', default=['paper', 'official'],
                        choices=['paper', 'official'])
    parser.add_argument('--size', type=int, default=256,
                        help='square input size (default 256)')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--speed-modes', nargs='+', default=['paper'],
                        choices=['paper', 'official'],
                        help='modes timed on CPU (default: paper)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='timed forwards per batch size (after one '
                        'warm-up forward)')
    parser.add_argument('--no-speed', action='store_true',
                        help='count FLOPs only')
    parser.add_argument('--out', help='also write the tables to this file')
    return parser.parse_args(argv)


def build_model(config: str, mode: str) -> nn.Module:
    """The config's model, full size, random SAM/CLIP weights, plain BN."""
    changefine_mm.register_all_modules()
    cfg = Config.fromfile(config).model
    cfg.mode = mode
    cfg.init_seed = 0
    cfg.backbone.update(sam_checkpoint=None, clip_checkpoint=None)
    cfg.neck.norm_cfg = dict(type='BN')
    return MODELS.build(cfg)


def count_flops(model: nn.Module, inputs: torch.Tensor) -> Dict[str, float]:
    """GFLOPs of one forward of ``model`` per part and in total."""
    counter = FlopCounterMode(display=False, depth=None)
    with counter:
        model(inputs, mode='tensor')
    per_module = {
        name: sum(counts.values()) / 1e9
        for name, counts in counter.get_flop_counts().items()
    }
    root = type(model).__name__
    flops = {label: _inclusive(per_module, f'{root}.{path}')
             for label, path in PARTS}
    flops['total'] = counter.get_total_flops() / 1e9
    flops['other'] = flops['total'] - sum(flops[label] for label, _ in PARTS)
    return flops


def _inclusive(per_module: Dict[str, float], path: str) -> float:
    """FLOPs under ``path``. A module that is never called itself (the
    backbone calls SAM's blocks directly) is counted through its outermost
    called descendants; counts of called modules include their children."""
    inside = [n for n in per_module if n == path or n.startswith(path + '.')]
    outermost = [
        n for n in inside
        if not any(n.startswith(o + '.') for o in inside if o != n)
    ]
    return sum(per_module[n] for n in outermost)


def check_frozen_encoders_build_no_graph(model: nn.Module,
                                         inputs: torch.Tensor) -> None:
    """Training forward with autograd on: the outputs of the frozen SAM and
    CLIP image encoders must not be part of the graph."""
    outputs = []
    backbone = model.backbone
    handles = [
        module.register_forward_hook(
            lambda m, args, out: outputs.extend(
                out if isinstance(out, tuple) else [out]))
        for module in (backbone.image_encoder.blocks[-1],
                       backbone.clip_image_encoder)
    ]
    try:
        model(inputs, mode='tensor')
    finally:
        for handle in handles:
            handle.remove()
    graphed = [tuple(t.shape) for t in outputs if t.requires_grad]
    if not outputs or graphed:
        raise AssertionError('frozen encoder outputs are part of the '
                             f'autograd graph: {graphed}')


def flops_table(config: str, modes: List[str], size: int) -> str:
    """Markdown table of GFLOPs per pair for each mode (eval and train)."""
    columns, totals = {}, {}
    inputs = torch.randn(1, 6, size, size)
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        for mode in modes:
            model = build_model(config, mode)
            model.eval()
            with torch.no_grad():
                model(inputs, mode='tensor')  # fills the text cache
                columns[f'{mode} eval'] = count_flops(model, inputs)
            model.train()
            check_frozen_encoders_build_no_graph(model, inputs)
            columns[f'{mode} train forward'] = count_flops(model, inputs)
            totals[mode] = columns[f'{mode} eval']['total']
            del model
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
    header = '| part | ' + ' | '.join(columns) + ' |'
    lines = [header, '|---' * (len(columns) + 1) + '|']
    for label in [label for label, _ in PARTS] + ['other', 'total']:
        cells = ' | '.join(f'{c[label]:.1f}' for c in columns.values())
        name = f'**{label}**' if label == 'total' else label
        lines.append(f'| {name} | {cells} |')
    lines.append('')
    lines.append(f'GFLOPs per {size}x{size} pair (2 x multiply-adds); '
                 'frozen SAM/CLIP image encoders build no autograd graph '
                 '(checked).')
    return '\n'.join(lines)


def _time_forward(config: str, mode: str, batch: int, size: int,
                  repeat: int) -> Dict[str, float]:
    """Run in a fresh process: eval-forward speed, resident memory after
    the model build and peak RSS."""
    model = build_model(config, mode).eval()
    built_gib = _resident_gib()
    inputs = torch.randn(batch, 6, size, size)
    with torch.no_grad():
        model(inputs, mode='tensor')
        start = time.perf_counter()
        for _ in range(repeat):
            model(inputs, mode='tensor')
        seconds = time.perf_counter() - start
    return dict(
        pairs_per_s=batch * repeat / seconds,
        built_gib=built_gib,
        peak_rss_gib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss /
        2**20,
        threads=torch.get_num_threads())


def _resident_gib() -> float:
    """Current resident set size (Linux /proc; NaN elsewhere)."""
    try:
        with open('/proc/self/statm') as f:
            pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return float('nan')
    return pages * resource.getpagesize() / 2**30


def speed_table(config: str, modes: List[str], batch_sizes: List[int],
                size: int, repeat: int) -> str:
    """Markdown table of CPU pairs/s and peak RSS, one process per row."""
    context = multiprocessing.get_context('spawn')
    lines = ['| mode | batch | pairs/s | s/pair | RSS after build (GiB) | '
             'peak RSS (GiB) | threads |', '|---|---|---|---|---|---|---|']
    for mode in modes:
        for batch in batch_sizes:
            with context.Pool(1) as pool:
                result = pool.apply(_time_forward,
                                    (config, mode, batch, size, repeat))
            lines.append(
                f'| {mode} | {batch} | {result["pairs_per_s"]:.3f} | '
                f'{1 / result["pairs_per_s"]:.2f} | '
                f'{result["built_gib"]:.2f} | '
                f'{result["peak_rss_gib"]:.2f} | {result["threads"]} |')
    lines.append('')
    lines.append(f'CPU eval forward at {size}x{size}, torch.no_grad, '
                 f'{repeat} timed forwards after one warm-up, one process '
                 'per row; peak RSS of the whole process, model build '
                 'included.')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    report = [flops_table(args.config, args.modes, args.size)]
    print(report[0], flush=True)
    if not args.no_speed:
        report.append(
            speed_table(args.config, args.speed_modes, args.batch_sizes,
                        args.size, args.repeat))
        print('\n' + report[-1], flush=True)
    text = '\n\n'.join(report) + '\n'
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)
    return text


if __name__ == '__main__':
    main()
