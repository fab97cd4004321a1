"""Plot the training loss and the validation metrics of a run.

Reads the ``scalars.json`` that mmengine's ``LocalVisBackend`` writes
(``WORK_DIR/<timestamp>/vis_data/scalars.json``; the newest run when given
a work dir) and draws one panel per key: training keys against the
iteration, validation keys against the iteration they were computed at.

Examples:
    python tools/analysis_tools/plot_curves.py work_dirs/changefine_tiny_demo
    python tools/analysis_tools/plot_curves.py work_dirs/demo \
        --keys loss F1 IoU -o curves.png --html curves.html
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

# Validation metrics drawn by default when the log has them (ChangeMetric's
# change-class scores); other logs get all of their validation keys.
HEADLINE = ('F1', 'IoU', 'Precision', 'Recall')
# Keys that describe the run, not the model.
_SKIP = ('step', 'iter', 'epoch', 'time', 'data_time', 'memory', 'lr',
         'base_lr')
Series = Dict[str, Tuple[List[int], List[float]]]


def find_scalars(path: str) -> str:
    """The ``scalars.json`` of a file, run folder or work dir (its newest
    training run).

    Args:
        path (str): ``scalars.json`` itself, or a folder above it.

    Returns:
        str: Path of the file.

    Raises:
        FileNotFoundError: If there is none.
    """
    if osp.isfile(path):
        return path
    found = glob.glob(osp.join(path, 'vis_data', 'scalars.json')) + \
        glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json'))
    if not found:
        raise FileNotFoundError(
            f'no scalars.json under {path} (expected '
            f'{osp.join(path, "<timestamp>", "vis_data", "scalars.json")}; '
            'it is written by the LocalVisBackend of the config\'s '
            'visualizer)')
    # Test runs write their own run folders; prefer the newest training.
    trained = [p for p in found if _has_training(p)]
    return max(trained or found, key=osp.getmtime)


def _has_training(path: str) -> bool:
    with open(path) as f:
        return any('"iter"' in line or '"epoch"' in line for line in f)


def read_scalars(path: str) -> Tuple[Series, Series]:
    """Split the log lines into training and validation series.

    mmengine writes training lines with an ``iter`` (or ``epoch``) key and
    validation lines without one.

    Args:
        path (str): The ``scalars.json`` file (one JSON object a line).

    Returns:
        tuple[dict, dict]: Training and validation series, each key ->
        (steps, values).
    """
    train: Series = {}
    val: Series = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}, line {number}: not JSON '
                                 f'({err})') from err
            series = train if ('iter' in record or 'epoch' in record) \
                else val
            step = int(record.get('step', number))
            for key, value in record.items():
                if key in _SKIP or not isinstance(value, (int, float)):
                    continue
                steps, values = series.setdefault(key, ([], []))
                steps.append(step)
                values.append(float(value))
    return train, val


def choose(train: Series, val: Series,
           keys: Optional[Sequence[str]]) -> List[Tuple[str, str, tuple]]:
    """The panels to draw: (title, 'train'/'val', (steps, values)).

    Args:
        train (dict): Training series.
        val (dict): Validation series.
        keys (sequence[str], optional): Keys to draw; default: every
            training loss and the ``HEADLINE`` validation metrics (all
            validation keys if the log has none of them).

    Returns:
        list[tuple]: One entry per panel.

    Raises:
        KeyError: If a requested key is in neither series.
    """
    if keys is None:
        headline = [k for k in HEADLINE if k in val]
        keys = [k for k in train if 'loss' in k] + (headline or list(val))
    panels = []
    for key in keys:
        if key not in train and key not in val:
            raise KeyError(f'no key {key!r} in the log; it has training '
                           f'keys {sorted(train)} and validation keys '
                           f'{sorted(val)}')
        if key in train:
            panels.append((key, 'train', train[key]))
        if key in val:
            panels.append((f'{key} (val)', 'val', val[key]))
    return panels


def plot_png(panels: List[tuple], out: str, title: str) -> None:
    """Draw the panels in a grid with matplotlib and save a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.5 * columns,
                                                     3.2 * rows),
                             squeeze=False)
    for ax, (name, kind, (steps, values)) in zip(axes.flat, panels):
        ax.plot(steps, values, marker='o' if kind == 'val' else None,
                markersize=3, color='#0072B2' if kind == 'train' else
                '#D55E00')
        ax.set_title(name)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis('off')
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def plot_html(panels: List[tuple], out: str, title: str) -> None:
    """Write an interactive (zoom, hover) HTML page with plotly.

    plotly.js is embedded in the file, so it opens without network.
    """
    try:
        from plotly.subplots import make_subplots
        import plotly.graph_objects as go
    except ImportError as err:
        raise ImportError('--html needs plotly: pip install -e ".[plots]" '
                          '(or plotly==5.24.1)') from err
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig = make_subplots(rows=rows, cols=columns,
                        subplot_titles=[p[0] for p in panels])
    for index, (name, kind, (steps, values)) in enumerate(panels):
        fig.add_trace(go.Scatter(x=steps, y=values, name=name,
                                 mode='lines+markers' if kind == 'val'
                                 else 'lines'),
                      row=index // columns + 1, col=index % columns + 1)
    fig.update_layout(title=title, height=320 * rows, showlegend=False)
    fig.write_html(out, include_plotlyjs=True)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot loss and validation metrics from scalars.json')
    parser.add_argument('log', help='work dir, run folder or scalars.json')
    parser.add_argument('--keys', nargs='+',
                        help='keys to draw (default: losses and F1, IoU, '
                        'Precision, Recall)')
    parser.add_argument('-o', '--out',
                        help='PNG to write (default: curves.png next to '
                        'scalars.json)')
    parser.add_argument('--html', help='also write an interactive HTML page')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Plot a run's curves.

    Args:
        argv (sequence[str], optional): Command-line arguments.

    Returns:
        list[str]: The files written.
    """
    args = parse_args(argv)
    scalars = find_scalars(args.log)
    train, val = read_scalars(scalars)
    panels = choose(train, val, args.keys)
    if not panels:
        raise ValueError(f'{scalars} holds no loss or validation metric')
    run = osp.basename(osp.dirname(osp.dirname(scalars)))
    out = args.out or osp.join(osp.dirname(scalars), 'curves.png')
    written = [out]
    for path in filter(None, (out, args.html)):
        if osp.dirname(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
    plot_png(panels, out, f'run {run}')
    if args.html:
        plot_html(panels, args.html, f'run {run}')
        written.append(args.html)
    print(f'wrote {" and ".join(written)} ({len(panels)} panels from '
          f'{scalars})')
    return written


if __name__ == '__main__':
    try:
        main()
    except (OSError, ValueError, KeyError, ImportError) as err:
        sys.exit(f'error: {err}')
