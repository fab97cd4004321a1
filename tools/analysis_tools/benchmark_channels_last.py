"""Benchmark channels-last batches in the convolutional change detectors.

For each model config the model is built once (random weights, seeded),
and its evaluation forward (float32 and under bf16 autocast) and a
training step (forward, loss, backward) are timed with the default
(NCHW) batch and with a channels-last one, the two layouts alternating
round by round in one process so that a load change of the machine moves
both. Reported: best seconds of each, their ratio, and the largest
|logit difference| between the layouts in float32.

Example:
    python tools/analysis_tools/benchmark_channels_last.py \
        configs/_base_/models/fc_siam_diff.py configs/_base_/models/bit_r18.py
"""
import argparse
import time
from typing import Callable, Dict, List, Optional

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.apis import build_change_model

LAYOUTS = {'NCHW': torch.contiguous_format,
           'channels-last': torch.channels_last}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='NCHW vs channels-last batches: speed per model',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('configs', nargs='+', help='model config files')
    parser.add_argument('--size', type=int, default=256,
                        help='square input side')
    parser.add_argument('--batch', type=int, default=2,
                        help='pairs per evaluation forward')
    parser.add_argument('--train-batch', type=int, default=4,
                        help='pairs per training step (0: no training)')
    parser.add_argument('--in-channels', type=int, default=6,
                        help='channels of a pair (both dates)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='alternating rounds; the best time is kept')
    return parser.parse_args(argv)


def first_tensor(output) -> torch.Tensor:
    """The first logits of a ``mode='tensor'`` output (a tensor, or a
    sequence or dict of them, as semantic change models return)."""
    while not torch.is_tensor(output):
        output = next(iter(output.values())) if isinstance(output, dict) \
            else output[0]
    return output


def paired_best(calls: Dict[str, Callable[[], object]],
                rounds: int) -> Dict[str, float]:
    """Best seconds of each call, the calls alternating every round."""
    for call in calls.values():
        call()  # warm-up
    best = {name: float('inf') for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def training_step(model: torch.nn.Module, inputs: torch.Tensor,
                  samples: List[SegDataSample]) -> None:
    """Forward, loss and backward (no optimiser step: same weights)."""
    model.zero_grad(set_to_none=True)
    losses = model.loss(inputs, samples)
    sum(v for k, v in losses.items() if 'loss' in k).backward()


def label_samples(count: int, size: int) -> List[SegDataSample]:
    samples = []
    for _ in range(count):
        sample = SegDataSample(gt_sem_seg=PixelData(
            data=torch.randint(0, 2, (1, size, size))))
        sample.set_metainfo(dict(img_shape=(size, size),
                                 ori_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample)
    return samples


def measure(config: str, args: argparse.Namespace) -> dict:
    """Times of one model in both layouts (see the module docstring)."""
    torch.manual_seed(0)  # random weights, the same in every run
    model = build_change_model(config).eval()
    channels = args.in_channels
    inputs = torch.randn(args.batch, channels, args.size, args.size)
    batches = {name: inputs.contiguous(memory_format=layout)
               for name, layout in LAYOUTS.items()}
    result = {}
    with torch.no_grad():
        logits = {name: first_tensor(model(x, mode='tensor'))
                  for name, x in batches.items()}
        result['max_dlogit'] = (logits['NCHW'] - logits['channels-last']
                                ).abs().max().item()
        result['eval'] = paired_best(
            {name: (lambda x=x: model(x, mode='tensor'))
             for name, x in batches.items()}, args.rounds)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            result['eval_bf16'] = paired_best(
                {name: (lambda x=x: model(x, mode='tensor'))
                 for name, x in batches.items()}, args.rounds)
    if args.train_batch:
        model.train()
        inputs = torch.randn(args.train_batch, channels, args.size,
                             args.size)
        samples = label_samples(args.train_batch, args.size)
        result['train'] = paired_best(
            {name: (lambda x=inputs.contiguous(memory_format=layout):
                    training_step(model, x, samples))
             for name, layout in LAYOUTS.items()}, args.rounds)
    return result


def table(rows: Dict[str, dict]) -> str:
    """The measurements as a Markdown table."""
    parts = [('eval', 'eval fp32'), ('eval_bf16', 'eval bf16 autocast'),
             ('train', 'train step fp32')]
    parts = [p for p in parts if any(p[0] in r for r in rows.values())]
    header = '| model | ' + ' | '.join(
        f'{label} NCHW (s) | channels-last (s) | speed-up'
        for _, label in parts) + ' | max \\|Δlogit\\| fp32 |'
    lines = [header, '|---' * (2 + 3 * len(parts)) + '|']
    for name, result in rows.items():
        cells = []
        for key, _ in parts:
            nchw, last = result[key]['NCHW'], result[key]['channels-last']
            cells += [f'{nchw:.3f}', f'{last:.3f}', f'{nchw / last:.2f} ×']
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {result["max_dlogit"]:.1e} |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    rows = {}
    for config in args.configs:
        name = config.rsplit('/', 1)[-1].rsplit('.', 1)[0]
        rows[name] = measure(config, args)
        print(f'{name}: {rows[name]}', flush=True)
    print(f'\n{torch.get_num_threads()} thread(s), eval batch {args.batch}, '
          f'train batch {args.train_batch}, {args.size}x{args.size}, best '
          f'of {args.rounds} alternating rounds\n')
    print(table(rows))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
