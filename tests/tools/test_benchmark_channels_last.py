"""benchmark_channels_last.py: both layouts timed, the table per model."""
import time

import pytest

from conftest import REPO_ROOT, load_tool

bench = load_tool('analysis_tools', 'benchmark_channels_last.py')


def test_times_both_layouts_and_compares_their_logits(capsys):
    config = f'{REPO_ROOT}/configs/_base_/models/fc_siam_diff.py'
    assert bench.main([config, '--size', '64', '--batch', '1',
                       '--train-batch', '2', '--rounds', '1']) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines()
               if line.startswith('| fc_siam_diff |'))
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert len(cells) == 11  # name, 3 x (NCHW, channels-last, ratio), Δ
    for start in (1, 4, 7):
        nchw, last, ratio = (float(c.rstrip(' ×'))
                             for c in cells[start:start + 3])
        # The shown seconds are rounded to 1 ms.
        assert ratio == pytest.approx(nchw / last, rel=0.3)
    # The same model in either layout: logits equal up to rounding.
    assert float(cells[10]) < 1e-4


def test_paired_best_keeps_the_fastest_round():
    delays = iter([0.0, 0.02, 0.0, 0.0, 0.02, 0.0])
    calls = {'a': lambda: time.sleep(next(delays)),
             'b': lambda: time.sleep(next(delays))}
    best = bench.paired_best(calls, rounds=2)
    # Warm-ups take 0 and 0.02 s; then a: 0, b: 0 / a: 0.02, b: 0.
    assert best['a'] < 0.01 and best['b'] < 0.01


def test_first_tensor_reads_the_outputs_of_every_model_kind():
    import torch
    logits = torch.zeros(1, 2, 4, 4)
    assert bench.first_tensor(logits) is logits
    assert bench.first_tensor([logits, None]) is logits
    assert bench.first_tensor(dict(binary=[logits], semantic=None)) is logits
