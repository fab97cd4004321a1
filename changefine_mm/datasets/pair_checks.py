"""Fail fast: check every pair of a dataset before the first iteration.

Only file headers are read (size, bands, dtype; a PNG header is its first
26 bytes), so a dataset of thousands of pairs is checked in seconds. The
label values are read too on request (``check_labels=True``), which
decodes every label file once. Every problem of every pair is collected,
so one error lists them all.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dist import is_main_process
from mmengine.fileio import get
from mmengine.utils import ProgressBar

from changefine_mm.utils.image_io import ImageHeader, read_image_header
from .transforms.label_rules import (label_problem, label_remedies,
                                     normalize_value_map, read_label_image)

BAD_PAIR_ACTIONS = ('error', 'skip')


@dataclass
class PairProblems:
    """What is wrong with the pairs of a dataset.

    Attributes:
        by_index (dict[int, list[str]]): Pair index -> one line per
            problem, each naming the file(s) at fault.
        label_values (set[int]): Label values that broke the label rule,
            over all files (for one ``value_map`` proposal).
    """
    by_index: Dict[int, List[str]] = field(default_factory=dict)
    label_values: set = field(default_factory=set)

    def add(self, index: int, line: str) -> None:
        """Record one problem of pair ``index``."""
        self.by_index.setdefault(index, []).append(line)


def check_pairs(data_list: Sequence[dict],
                check_labels: bool = False,
                backend_args: Optional[dict] = None,
                progress: bool = True) -> PairProblems:
    """Check the headers (and optionally label values) of every pair.

    Checked (local files; pairs with a remote path such as ``s3://`` are
    not checked): every file can be read; A, B and the label have one
    size; A and B have the same number of bands (8-bit grey next to 3
    bands is fine: grey is read as 3 equal bands) and the same dtype;
    with ``check_labels`` the label values follow the dataset's label
    rule.

    Args:
        data_list (sequence[dict]): ``data_info`` dicts of
            :class:`~changefine_mm.datasets.CDDataset` (``img_path``,
            ``seg_map_path`` and the label rule keys).
        check_labels (bool): Also decode every label and check its values.
        backend_args (dict, optional): File backend for the label bytes.
        progress (bool): Show a progress bar (main process only).

    Returns:
        PairProblems: Empty ``by_index`` when every pair is fine.
    """
    problems = PairProblems()
    bar = ProgressBar(len(data_list)) if progress and is_main_process() \
        else None
    # About 50 redraws whatever the size: a log file gets one line each.
    step = max(1, len(data_list) // 50)
    for index, info in enumerate(data_list):
        _check_pair(index, info, check_labels, backend_args, problems)
        done = index + 1
        if bar is not None and (done % step == 0 or done == len(data_list)):
            bar.update(done - bar.completed)
    if bar is not None:
        bar.file.write('\n')
    return problems


def _check_pair(index: int, info: dict, check_labels: bool,
                backend_args: Optional[dict],
                problems: PairProblems) -> None:
    path_a, path_b = info['img_path']
    label = info.get('seg_map_path')
    if any('://' in str(p) for p in (path_a, path_b, label)):
        return  # remote files: reading headers would mean downloading them
    headers = {}
    for path in (path_a, path_b) + ((label, ) if label else ()):
        try:
            headers[path] = read_image_header(path)
        except (OSError, ValueError, ImportError) as err:
            problems.add(index, f'{path}: cannot read its header: {err}')
    if len(headers) < 2 + bool(label):
        return
    for line in header_problems(path_a, path_b, label, headers):
        problems.add(index, line)
    # open-cd's reading (opencd_compat) checks no label values.
    if check_labels and label and not info.get('opencd_compat'):
        _check_label_values(index, info, backend_args, problems)


def header_problems(path_a: str, path_b: str, label: Optional[str],
                    headers: Dict[str, ImageHeader]) -> List[str]:
    """Size, band and dtype mismatches of one pair.

    Args:
        path_a (str): Date-A image.
        path_b (str): Date-B image.
        label (str, optional): Label file.
        headers (dict[str, ImageHeader]): The header of each file.

    Returns:
        list[str]: One line per problem.
    """
    lines = []
    sized = [path_a, path_b] + ([label] if label else [])
    sizes = {(headers[p].width, headers[p].height) for p in sized}
    if len(sizes) > 1:
        lines.append('sizes differ: ' + ', '.join(
            f'{p} is {headers[p].width}x{headers[p].height}' for p in sized)
            + ' (width x height)')
    head_a, head_b = headers[path_a], headers[path_b]
    grey_rgb = {head_a.bands, head_b.bands} == {1, 3} and \
        head_a.dtype == head_b.dtype == 'uint8'
    if head_a.bands != head_b.bands and not grey_rgb:
        lines.append(f'band counts differ: {path_a} has {head_a.bands}, '
                     f'{path_b} has {head_b.bands}')
    if head_a.dtype != head_b.dtype:
        lines.append(f'data types differ: {path_a} is {head_a.dtype}, '
                     f'{path_b} is {head_b.dtype}')
    return lines


def _check_label_values(index: int, info: dict,
                        backend_args: Optional[dict],
                        problems: PairProblems) -> None:
    path = info['seg_map_path']
    try:
        raw = read_label_image(get(path, backend_args=backend_args), path)
    except (OSError, ValueError) as err:
        problems.add(index, str(err))
        return
    value_map = normalize_value_map(info.get('value_map'))
    values = {v for v in np.unique(raw).tolist() if v not in value_map}
    problem = label_problem(values, info.get('format_seg_map'))
    if problem:
        problems.add(index, f'{path}: {problem}')
        problems.label_values |= values


def problems_report(data_list: Sequence[dict],
                    problems: PairProblems,
                    settings: dict,
                    skipping: bool = False) -> str:
    """One message listing every bad pair and how to go on.

    Args:
        data_list (sequence[dict]): The checked ``data_info`` dicts.
        problems (PairProblems): What :func:`check_pairs` found.
        settings (dict): The dataset's label rule (``value_map``,
            ``ignore_index``, ``format_seg_map``), for the remedy.
        skipping (bool): Whether the pairs are left out (a warning)
            rather than stopping the run.

    Returns:
        str: The message.
    """
    verdict = "left out (on_bad_pair='skip')" if skipping else \
        'cannot be used'
    lines = [f'{len(problems.by_index)} of {len(data_list)} pair(s) '
             f'{verdict}:']
    for index in sorted(problems.by_index):
        lines.extend(f'- {line}' for line in problems.by_index[index])
    if problems.label_values:
        lines.append(label_remedies(problems.label_values, **settings))
    if skipping:
        return '\n'.join(lines)
    lines.append("Fix or remove these files, or set on_bad_pair='skip' in "
                 'the dataset config to leave these pairs out (check_pairs='
                 'False turns the check off).')
    return '\n'.join(lines)
