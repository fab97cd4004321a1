"""CLIP prompt JSON files (ChangeCLIP's format): paths, records, reading.

ChangeCLIP's ``tools/clip_inference.py`` scores every image of a date folder
``<split>/<date>`` against a list of class names with CLIP and writes
``<split>/<date>_clipcls_<tag>.json`` beside the folder (the official tag is
``56_vit16``: 56 classes, CLIP ViT-B/16). The file holds a list with one
record per image::

    [{"image_path": ".../train/A/0001.png", "building": "0.4123",
      "road": "0.2010", ...}, ...]

All classes follow ``image_path`` in descending probability, written as
strings with four decimals. This module is the one place that knows the
format; the prompt tool writes it and :class:`CLIPPromptDataset` reads it.
"""
import json
import os.path as osp
from typing import Dict, List, Sequence

IMAGE_KEY = 'image_path'


class PromptJSONError(ValueError):
    """A prompt JSON file is missing, malformed or lacks an image."""


def prompt_json_path(image_folder: str, tag: str) -> str:
    """Where the prompt JSON of one date folder lives.

    Args:
        image_folder (str): The date folder, e.g. ``data/LEVIR-CD/train/A``.
        tag (str): The file tag, e.g. ``'56_vit16'``.

    Returns:
        str: ``<image_folder>_clipcls_<tag>.json``.
    """
    return f'{osp.normpath(image_folder)}_clipcls_{tag}.json'


def make_record(image_path: str, class_names: Sequence[str],
                probs: Sequence[float]) -> dict:
    """One image's record: its path, then all classes by probability.

    Args:
        image_path (str): The image file.
        class_names (sequence[str]): All class names.
        probs (sequence[float]): Their probabilities (same order).

    Returns:
        dict: ``{'image_path': ..., class: '0.1234', ...}`` in descending
        probability (ties keep the class-list order).
    """
    if len(class_names) != len(probs):
        raise ValueError(f'{len(class_names)} class names but '
                         f'{len(probs)} probabilities')
    order = sorted(range(len(probs)), key=lambda i: -float(probs[i]))
    record = {IMAGE_KEY: image_path}
    record.update(
        (class_names[i], f'{float(probs[i]):.4f}') for i in order)
    return record


def ranked_classes(record: dict, source: str) -> List[str]:
    """Class names of one record, most probable first.

    Args:
        record (dict): A record as written by :func:`make_record`.
        source (str): The file it came from, for error messages.

    Returns:
        list[str]: The class names in descending probability.
    """
    scores = []
    for name, value in record.items():
        if name == IMAGE_KEY:
            continue
        try:
            scores.append((name, float(value)))
        except (TypeError, ValueError) as err:
            raise PromptJSONError(
                f'{source}: record {record.get(IMAGE_KEY)!r} has a '
                f'non-numeric probability {value!r} for {name!r}') from err
    # sorted() is stable: equal probabilities keep the file's order, which
    # is the order ChangeCLIP's reader (dict key order) uses.
    return [name for name, _ in sorted(scores, key=lambda s: -s[1])]


def load_rankings(json_path: str) -> Dict[str, List[str]]:
    """Read a prompt JSON: image file name -> ranked class names.

    Records are keyed by file name, not by the stored path, so a file
    written on another machine (ChangeCLIP stores absolute paths) still
    matches this dataset.

    Args:
        json_path (str): The prompt JSON file.

    Returns:
        dict[str, list[str]]: File name -> class names, most probable first.
    """
    if not osp.isfile(json_path):
        raise PromptJSONError(
            f'prompt JSON not found: {json_path}; write it with '
            'tools/misc/clip_prompt_classes.py (see docs/projects.md)')
    with open(json_path, encoding='utf-8') as f:
        try:
            records = json.load(f)
        except json.JSONDecodeError as err:
            raise PromptJSONError(f'{json_path}: not valid JSON ({err})') \
                from err
    if not isinstance(records, list):
        raise PromptJSONError(f'{json_path}: expected a list of records, got '
                              f'{type(records).__name__}')
    rankings = {}
    for i, record in enumerate(records):
        if not isinstance(record, dict) or IMAGE_KEY not in record:
            raise PromptJSONError(
                f'{json_path}: record {i} has no {IMAGE_KEY!r}')
        name = osp.basename(str(record[IMAGE_KEY]).replace('\\', '/'))
        if name in rankings:
            raise PromptJSONError(
                f'{json_path}: two records for the file name {name!r}')
        rankings[name] = ranked_classes(record, json_path)
    return rankings
