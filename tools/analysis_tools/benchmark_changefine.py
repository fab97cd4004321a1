"""FLOPs, speed, memory and output agreement of ChangeFine's speed settings
(full size, random weights, no files needed).

FLOPs are counted with torch's ``FlopCounterMode`` (2 x multiply-adds) for
one image pair, once for the evaluation forward (steady state: constant
text embeddings are cached) and once for the training forward. The counter
has no formula for the CPU kernel of ``F.scaled_dot_product_attention``
(which ``nn.MultiheadAttention`` with ``need_weights=False`` also runs), so
this script registers one (2 x (QK^T + AV) multiply-adds, forward and
backward) and the attention is counted in every mode alike. Official
mode is counted as the official code computes it (SAM's and open_clip's
own blocks, ``fused_attention=False``: SAM's windowed blocks project and
attend from the padded tokens too), paper mode as it runs. The training
forward also checks that the frozen SAM and CLIP image encoders build no
autograd graph.

Speed: side by side in one run, ``mode='official'`` in float32 with the
encoders' own attention modules (the official computation) and paper mode
at each setting of :data:`SETTINGS`. Every setting runs in two fresh
processes (inference, training), so that each peak resident set size is
its own. Inference: pairs/s of the evaluation forward at batch 1 and 4 on
the real LEVIR-CD crops of ``--real-data``, and the agreement of the
predicted masks and the largest logit difference against paper mode in
float32. Inference models are built with ``test_cfg.inference_only=True``
as tools/test.py and tools/infer.py build them (in bf16 the trainable
linear and convolution weights are then stored in bf16). Training: seconds
per AdamW step at batch 2. Ratios are to the official-mode figure of the
same run.

Example:
    python tools/analysis_tools/benchmark_changefine.py \\
        --out work_dirs/changefine_benchmark.md
    python tools/analysis_tools/benchmark_changefine.py --no-flops \\
        --settings "official fp32 eager" "paper bf16" --device cuda
"""
import argparse
import glob
import multiprocessing
import os
import os.path as osp
import resource
import statistics
import tempfile
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image
from torch import nn
from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode

import changefine_mm
from changefine_mm.engine import AutocastOptimWrapper
from changefine_mm.registry import MODELS

DEFAULT_CONFIG = 'configs/changefine/changefine_levircd.py'
DEFAULT_REAL_DATA = '../shared/data/realcd/levir_cd_256'
# Speed settings: mode, SDPA attention, test_cfg.precision,
# train_cfg.frozen_precision, autocast of the training step (--amp).
SETTINGS = {
    'official fp32 eager': ('official', False, 'fp32', 'fp32', False),
    'paper fp32 eager': ('paper', False, 'fp32', 'fp32', False),
    'paper fp32': ('paper', True, 'fp32', 'fp32', False),
    'paper bf16 frozen': ('paper', True, 'fp32', 'bf16', False),
    'paper bf16': ('paper', True, 'bf16', 'bf16', True),
}
BASELINE = 'official fp32 eager'
REFERENCE = 'paper fp32'
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
                        choices=['paper', 'official'],
                        help='modes of the FLOPs table')
    parser.add_argument('--size', type=int, default=256,
                        help='square input size (default 256)')
    parser.add_argument('--settings', nargs='+', default=list(SETTINGS),
                        choices=list(SETTINGS),
                        help=f'speed settings (the baseline {BASELINE!r} '
                        f'and the reference {REFERENCE!r} are always run)')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 4])
    parser.add_argument('--train-batch', type=int, default=2)
    parser.add_argument('--repeat', type=int, default=2,
                        help='timed calls per batch size after one warm-up')
    parser.add_argument('--rounds', type=int, default=1,
                        help='run every setting this many times (in turn) '
                        'and keep its best time: less noise on a shared '
                        'machine')
    parser.add_argument('--real-data', default=DEFAULT_REAL_DATA,
                        help='folder with A/, B/, label/ crops of --size '
                        f'(default {DEFAULT_REAL_DATA})')
    parser.add_argument('--device', default='cpu',
                        help='cpu or cuda (untested on GPU so far)')
    parser.add_argument('--interleaved', action='store_true',
                        help='instead of fresh processes: batch-1 eval '
                        'forwards of all settings in one process, in turn '
                        '(--rounds rounds)')
    parser.add_argument('--no-flops', action='store_true',
                        help='speed only')
    parser.add_argument('--no-speed', action='store_true',
                        help='count FLOPs only')
    parser.add_argument('--out', help='also write the tables to this file')
    return parser.parse_args(argv)


def build_model(config: str, mode: str, fused: bool = True,
                precision: str = 'fp32', frozen: str = 'fp32',
                inference: bool = False) -> nn.Module:
    """The config's model, full size, random SAM/CLIP weights, plain BN.

    Args:
        config (str): ChangeFine config.
        mode (str): 'paper' or 'official'.
        fused (bool): ``backbone.fused_attention``.
        precision (str): ``test_cfg.precision``.
        frozen (str): ``train_cfg.frozen_precision``.
        inference (bool): ``test_cfg.inference_only``, as tools/test.py
            and tools/infer.py set it.

    Returns:
        nn.Module: The model (seeded: the same weights in every process).
    """
    changefine_mm.register_all_modules()
    cfg = Config.fromfile(config).model
    cfg.mode = mode
    cfg.init_seed = 0
    cfg.backbone.update(sam_checkpoint=None, clip_checkpoint=None,
                        fused_attention=fused)
    cfg.neck.norm_cfg = dict(type='BN')
    cfg.test_cfg = dict(cfg.get('test_cfg') or {}, precision=precision,
                        inference_only=inference)
    cfg.train_cfg = dict(cfg.get('train_cfg') or {},
                         frozen_precision=frozen)
    return MODELS.build(cfg)


def _sdpa_flops(query, key, value, *args, out_shape=None, **kwargs) -> int:
    return flop_counter.sdpa_flop_count(query, key, value)


def _sdpa_backward_flops(grad_out, query, key, value, *args,
                         out_shape=None, **kwargs) -> int:
    return flop_counter.sdpa_backward_flop_count(grad_out, query, key,
                                                 value)


def count_cpu_attention() -> None:
    """Give ``FlopCounterMode`` formulas for the CPU attention kernels it
    lacks (see the module doc); a no-op where torch already has them."""
    aten = torch.ops.aten
    for name, formula in (
            ('_scaled_dot_product_flash_attention_for_cpu', _sdpa_flops),
            ('_scaled_dot_product_flash_attention_for_cpu_backward',
             _sdpa_backward_flops)):
        op = getattr(aten, name, None)
        if op is not None and op not in flop_counter.flop_registry:
            flop_counter.register_flop_formula(op)(formula)


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
    count_cpu_attention()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        for mode in modes:
            # Official mode as the official code computes it (SAM's own
            # blocks pad the windowed token grids); paper mode as it runs.
            model = build_model(config, mode, fused=mode == 'paper')
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
    lines.append(f'GFLOPs per {size}x{size} pair (2 x multiply-adds, '
                 'attention included); frozen SAM/CLIP image encoders build '
                 'no autograd graph (checked).')
    return '\n'.join(lines)


def load_real_pairs(folder: str, size: int
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Real pairs (N, 6, size, size) in 0-255 RGB and labels (N, size,
    size) in {0, 1} from ``folder``/A, B, label (same file names)."""
    names = sorted(osp.basename(p)
                   for p in glob.glob(osp.join(folder, 'A', '*.png')))
    if not names:
        raise FileNotFoundError(
            f'--real-data {folder}: no A/*.png; give the folder of the '
            'LEVIR-CD crops (A/, B/, label/)')
    pairs, labels = [], []
    for name in names:
        dates = [np.asarray(Image.open(osp.join(folder, d, name))
                            .convert('RGB')) for d in ('A', 'B')]
        label = np.asarray(Image.open(osp.join(folder, 'label', name)))
        if any(d.shape[:2] != (size, size) for d in dates):
            continue
        pairs.append(np.concatenate(dates, axis=2).transpose(2, 0, 1))
        labels.append(label > 0)
    if not pairs:
        raise ValueError(f'--real-data {folder}: no {size}x{size} pairs')
    return (torch.from_numpy(np.stack(pairs)).float(),
            torch.from_numpy(np.stack(labels)).long())


def _normalise(model: nn.Module, pairs: torch.Tensor) -> torch.Tensor:
    """Pixels -> model inputs with the config's mean and std."""
    pre = model.data_preprocessor
    return (pairs - pre.mean.cpu()) / pre.std.cpu()


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _peak_gib(device: torch.device) -> float:
    """Peak RSS of this process (and peak GPU memory on CUDA)."""
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _timed(fn, device: torch.device, calls: int) -> float:
    """Seconds per call of ``fn`` after one warm-up call."""
    fn()
    _sync(device)
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    _sync(device)
    return (time.perf_counter() - start) / calls


def measure_inference(config: str, setting: str, real_data: str, size: int,
                      batch_sizes: List[int], repeat: int, device: str,
                      reference: str) -> dict:
    """Run in a fresh process: eval-forward speed per batch size (one
    warm-up call, then ``repeat`` calls, at least 8 pairs), peak memory
    and (except for the official baseline) mask agreement and the largest
    |logit difference| against ``reference`` (written by the reference
    setting) on the largest batch size's outputs."""
    mode, fused, precision, frozen, _ = SETTINGS[setting]
    device = torch.device(device)
    model = build_model(config, mode, fused, precision, frozen,
                        inference=True)
    model = model.to(device).eval()
    real, _ = load_real_pairs(real_data, size)
    inputs = _normalise(model, real).to(device)
    result = dict(pairs_per_s={}, peak_gib={})
    logits = []
    with torch.no_grad():
        for batch in batch_sizes:
            # Timed calls walk through the crops; the largest batch's
            # outputs (at least 8 crops) are compared with the reference.
            chunks = [inputs[i:i + batch]
                      for i in range(0, len(inputs) - batch + 1, batch)]
            calls = max(repeat, -(-8 // batch)) \
                if batch == max(batch_sizes) else repeat
            if batch == batch_sizes[0]:
                model(chunks[-1], mode='tensor')  # warm-up
            _sync(device)
            start = time.perf_counter()
            outputs = [model(chunks[i % len(chunks)],
                             mode='tensor')['pred'].float().cpu()
                       for i in range(calls)]
            _sync(device)
            result['pairs_per_s'][batch] = \
                batch * calls / (time.perf_counter() - start)
            result['peak_gib'][batch] = _peak_gib(device)
            logits = outputs if batch == max(batch_sizes) else logits
    logits = torch.cat(logits)
    if setting == REFERENCE:
        torch.save(logits, reference)
    elif setting != BASELINE:
        wanted = torch.load(reference)
        result['agreement'] = (logits.argmax(1) == wanted.argmax(1)
                               ).float().mean().item()
        result['max_dlogit'] = (logits - wanted).abs().max().item()
    result['threads'] = torch.get_num_threads()
    return result


def measure_training(config: str, setting: str, real_data: str, size: int,
                     batch: int, repeat: int, device: str) -> dict:
    """Run in a fresh process: seconds per training step (forward, loss,
    backward, AdamW) at ``batch`` and the peak memory."""
    mode, fused, precision, frozen, amp = SETTINGS[setting]
    device = torch.device(device)
    model = build_model(config, mode, fused, precision, frozen)
    model = model.to(device).train()
    real, labels = load_real_pairs(real_data, size)
    inputs = _normalise(model, real[:batch]).to(device)
    samples = []
    for label in labels[:batch]:
        sample = SegDataSample(gt_sem_seg=PixelData(data=label[None]))
        sample.set_metainfo(dict(img_shape=(size, size),
                                 ori_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample.to(device))
    # The configs' fused AdamW; the baseline keeps the official per-tensor
    # loop.
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4,
        fused=setting != BASELINE)
    wrapper = AutocastOptimWrapper(optimizer=optimizer) if amp else \
        OptimWrapper(optimizer=optimizer)

    def step() -> None:
        with wrapper.optim_context(model):
            losses = model.loss(inputs, samples)
        wrapper.update_params(
            sum(v for k, v in losses.items() if 'loss' in k))

    seconds = _timed(step, device, repeat)
    return dict(s_per_iter=seconds, peak_gib=_peak_gib(device))


def interleaved_table(args: argparse.Namespace) -> str:
    """Eval forward at batch 1 of every setting built in this process and
    timed in turn, ``args.rounds`` rounds: the best time of each setting,
    and the median over the rounds of its ratio to the baseline timed in
    the same round. Load changes of a shared machine move both timings of
    a round together, so the paired ratios are steadier than separate
    processes run one after the other."""
    device = torch.device(args.device)
    order = [BASELINE] + [s for s in args.settings if s != BASELINE]
    models = {}
    for setting in order:
        mode, fused, precision, frozen, _ = SETTINGS[setting]
        models[setting] = build_model(args.config, mode, fused, precision,
                                      frozen, inference=True).to(
                                          device).eval()
    real, _ = load_real_pairs(args.real_data, args.size)
    inputs = _normalise(models[BASELINE], real[:1]).to(device)
    times: Dict[str, List[float]] = {s: [] for s in order}
    with torch.no_grad():
        for setting in order:
            models[setting](inputs, mode='tensor')  # warm-up
        for round_ in range(args.rounds):
            for setting in order:
                times[setting].append(_timed(
                    lambda: models[setting](inputs, mode='tensor'), device,
                    1))
            print(f'round {round_}: ' + ', '.join(
                f'{s} {t[-1]:.2f} s' for s, t in times.items()), flush=True)
    lines = ['| setting | s/pair (best) | x official (best) | '
             'x official (median of paired rounds) |', '|---|---|---|---|']
    base = times[BASELINE]
    for setting in order:
        paired = statistics.median(
            b / t for b, t in zip(base, times[setting]))
        lines.append(f'| {setting} | {min(times[setting]):.2f} | '
                     f'{min(base) / min(times[setting]):.2f} | '
                     f'{paired:.2f} |')
    lines.append('')
    lines.append(f'{args.device}, {torch.get_num_threads()} thread(s), '
                 f'batch 1, {args.size}x{args.size}, one process, settings '
                 f'timed in turn, {args.rounds} round(s).')
    return '\n'.join(lines)


def _in_fresh_process(fn, *args) -> dict:
    with multiprocessing.get_context('spawn').Pool(1) as pool:
        return pool.apply(fn, args)


def run_settings(args: argparse.Namespace) -> Dict[str, dict]:
    """Every setting (baseline and reference first), ``args.rounds``
    times in turn; the best time of each is kept."""
    order = [BASELINE, REFERENCE] + [
        s for s in args.settings if s not in (BASELINE, REFERENCE)]
    results: Dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        reference = os.path.join(tmp, 'reference_logits.pt')
        for _ in range(args.rounds):
            for setting in order:
                infer = _in_fresh_process(
                    measure_inference, args.config, setting, args.real_data,
                    args.size, args.batch_sizes, args.repeat, args.device,
                    reference)
                train = _in_fresh_process(
                    measure_training, args.config, setting, args.real_data,
                    args.size, args.train_batch, args.repeat, args.device)
                print(f'{setting}: {infer} {train}', flush=True)
                _keep_best(results, setting, infer, train)
    return results


def _keep_best(results: Dict[str, dict], setting: str, infer: dict,
               train: dict) -> None:
    if setting not in results:
        results[setting] = dict(infer=infer, train=train)
        return
    best = results[setting]
    for batch, value in infer['pairs_per_s'].items():
        best['infer']['pairs_per_s'][batch] = max(
            value, best['infer']['pairs_per_s'][batch])
    best['train']['s_per_iter'] = min(train['s_per_iter'],
                                      best['train']['s_per_iter'])


def speed_table(results: Dict[str, dict], args: argparse.Namespace) -> str:
    """Markdown table of the settings, ratios to the official baseline."""
    base = results[BASELINE]
    memory = 'GPU GiB' if args.device.startswith('cuda') else 'RSS GiB'
    header = ['setting']
    for batch in args.batch_sizes:
        header += [f'pairs/s b{batch}', 'x official']
    header += [f'train s/iter b{args.train_batch}', 'x official']
    header += [f'peak {memory} infer b{args.batch_sizes[0]}',
               f'peak {memory} train', 'mask agreement', 'max abs Δlogit']
    lines = ['| ' + ' | '.join(header) + ' |',
             '|---' * len(header) + '|']
    for setting, result in results.items():
        infer, train = result['infer'], result['train']
        cells = [setting]
        for batch in args.batch_sizes:
            value = infer['pairs_per_s'][batch]
            cells += [f'{value:.3f}',
                      f'{value / base["infer"]["pairs_per_s"][batch]:.2f}']
        cells += [f'{train["s_per_iter"]:.2f}',
                  f'{base["train"]["s_per_iter"] / train["s_per_iter"]:.2f}']
        cells += [f'{infer["peak_gib"][args.batch_sizes[0]]:.2f}',
                  f'{train["peak_gib"]:.2f}']
        if 'agreement' in infer:
            cells += [f'{100 * infer["agreement"]:.2f} %',
                      f'{infer["max_dlogit"]:.3g}']
        else:
            cells += ['reference' if setting == REFERENCE else '—'] * 2
        lines.append('| ' + ' | '.join(cells) + ' |')
    threads = base['infer']['threads']
    lines.append('')
    lines.append(
        f'{args.device}, {threads} thread(s), {args.size}x{args.size}, '
        f'random weights (seed 0), real LEVIR-CD crops; one process per '
        f'setting and task; {args.repeat} timed calls after a warm-up, '
        f'best of {args.rounds} round(s). Agreement: predicted masks and '
        f'logits against {REFERENCE!r}.')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    report = []
    if not args.no_flops:
        report.append(flops_table(args.config, args.modes, args.size))
        print(report[-1], flush=True)
    if args.interleaved:
        report.append(interleaved_table(args))
    elif not args.no_speed:
        report.append(speed_table(run_settings(args), args))
    if args.interleaved or not args.no_speed:
        print('\n' + report[-1], flush=True)
    text = '\n\n'.join(report) + '\n'
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)
    return text


if __name__ == '__main__':
    main()
