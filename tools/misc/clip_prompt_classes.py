"""Write ChangeCLIP's prompt JSON: CLIP class rankings of every image.

For each ``<root>/<split>/<date>`` folder, every image is scored against a
list of class names by CLIP zero-shot classification, and
``<root>/<split>/<date>_clipcls_<tag>.json`` lists all classes of every
image by descending probability (the format of ChangeCLIP's
``tools/clip_inference.py``, read by ``CLIPPromptDataset``). Images go
through CLIP in batches with a progress bar; progress is saved after each
batch, so an interrupted run continues where it stopped.

Example (official prompts: OpenAI CLIP ViT-B/16, 56 classes)::

    python tools/misc/clip_prompt_classes.py data/LEVIR-CD \\
        --checkpoint checkpoints/clip/ViT-B-16.pt --splits train val test
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, Iterator, List, Sequence

import numpy as np
import torch
from tqdm import tqdm

from changefine_mm.datasets.clip_prompt_json import (make_record,
                                                     prompt_json_path)
from changefine_mm.models.utils.clip_zero_shot_classifier import (
    DEFAULT_CLASSES, CLIPZeroShotClassifier)
from changefine_mm.utils.image_io import read_image

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp')
PARTIAL_SUFFIX = '.partial'


def list_images(folder: str, suffixes: Sequence[str]) -> List[str]:
    """Image file names of a folder, sorted.

    Args:
        folder (str): The date folder.
        suffixes (sequence[str]): Accepted suffixes (case-insensitive).

    Returns:
        list[str]: File names.
    """
    return sorted(name for name in os.listdir(folder)
                  if name.lower().endswith(tuple(suffixes))
                  and osp.isfile(osp.join(folder, name)))


def read_partial(path: str) -> Dict[str, dict]:
    """Records saved by an interrupted run, by file name.

    A last line cut short by the interruption is ignored.

    Args:
        path (str): The ``.partial`` file (JSON lines).

    Returns:
        dict[str, dict]: File name -> record.
    """
    records = {}
    if not osp.isfile(path):
        return records
    with open(path, encoding='utf-8') as f:
        for line in f:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                break
            records[osp.basename(record['image_path'])] = record
    return records


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _pixels(path: str) -> torch.Tensor:
    image = read_image(path)
    # CLIP ranks 8-bit photos: deeper pixels would need a scaling rule, and
    # cutting them to 8 bits silently would rank noise.
    if image.dtype != np.uint8:
        raise ValueError(
            f'{path} has {image.dtype.name} pixels; CLIP prompt ranking '
            'reads 8-bit RGB images: write 8-bit RGB copies first (e.g. '
            'with the scaling rules of docs/real_imagery.md)')
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    elif image.shape[2] != 3:
        raise ValueError(f'{path} has {image.shape[2]} bands; CLIP prompt '
                         'ranking reads RGB or grey images')
    rgb = np.ascontiguousarray(image[..., ::-1])  # the reader gives BGR
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].float()


def score_folder(folder: str,
                 classifier: CLIPZeroShotClassifier,
                 tag: str,
                 batch_size: int = 32,
                 suffixes: Sequence[str] = IMAGE_SUFFIXES,
                 overwrite: bool = False,
                 progress: bool = True) -> str:
    """Write the prompt JSON of one date folder (resumable).

    Args:
        folder (str): The date folder, e.g. ``data/LEVIR-CD/train/A``.
        classifier (CLIPZeroShotClassifier): The scorer (its device is
            used).
        tag (str): JSON tag, e.g. '56_vit16'.
        batch_size (int): Images per CLIP forward pass.
        suffixes (sequence[str]): Image suffixes.
        overwrite (bool): Score again even if the JSON exists.
        progress (bool): Show a progress bar.

    Returns:
        str: The JSON path.
    """
    json_path = prompt_json_path(folder, tag)
    partial_path = json_path + PARTIAL_SUFFIX
    if osp.isfile(json_path) and not overwrite:
        print(f'{json_path} exists, skipped (--overwrite to redo)')
        return json_path
    names = list_images(folder, suffixes)
    if not names:
        raise FileNotFoundError(f'no images ({", ".join(suffixes)}) in '
                                f'{folder}')
    done = {} if overwrite else read_partial(partial_path)
    todo = [n for n in names if n not in done]
    device = classifier.text_features.device
    with open(partial_path, 'w' if overwrite else 'a',
              encoding='utf-8') as log, tqdm(
                  total=len(names), initial=len(names) - len(todo),
                  desc=folder, disable=not progress) as bar:
        for batch in _batches(todo, batch_size):
            paths = [osp.join(folder, n) for n in batch]
            inputs = torch.cat(
                [classifier.preprocess(_pixels(p).to(device)) for p in paths])
            probs = classifier.probabilities(inputs).cpu().tolist()
            for name, path, image_probs in zip(batch, paths, probs):
                done[name] = make_record(path, classifier.class_names,
                                         image_probs)
                log.write(json.dumps(done[name], ensure_ascii=False) + '\n')
            # Saved before the next batch starts: an interruption loses at
            # most the batch in progress.
            log.flush()
            os.fsync(log.fileno())
            bar.update(len(batch))
    tmp_path = json_path + '.tmp'
    with open(tmp_path, 'w', encoding='utf-8') as f:
        json.dump([done[n] for n in names], f, indent=4, ensure_ascii=False)
    os.replace(tmp_path, json_path)
    os.remove(partial_path)
    return json_path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Rank class names for every image of a change dataset '
        'with CLIP and write ChangeCLIP prompt JSON files')
    parser.add_argument('root', help='dataset root holding <split>/<date>')
    parser.add_argument('--checkpoint', required=True,
                        help='local CLIP checkpoint (e.g. OpenAI ViT-B-16.pt)')
    parser.add_argument('--splits', nargs='+', default=['train', 'val',
                                                        'test'])
    parser.add_argument('--dates', nargs='+', default=['A', 'B'],
                        help='date folder names inside each split')
    parser.add_argument('--classes', default=DEFAULT_CLASSES,
                        help='class-name file (default: the 56 '
                        'remote-sensing classes of ChangeCLIP)')
    parser.add_argument('--tag', default='56_vit16',
                        help='JSON tag; configs name it as json_tag')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--suffixes', nargs='+', default=IMAGE_SUFFIXES)
    parser.add_argument('--overwrite', action='store_true',
                        help='score again folders that already have a JSON')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    folders = [
        osp.join(args.root, split, date) for split in args.splits
        for date in args.dates
    ]
    present = [f for f in folders if osp.isdir(f)]
    for folder in sorted(set(folders) - set(present)):
        print(f'{folder} does not exist, skipped')
    if not present:
        raise FileNotFoundError(
            f'none of {folders} exists; check root, --splits and --dates')
    classifier = CLIPZeroShotClassifier(
        args.classes, clip_checkpoint=args.checkpoint).to(args.device)
    for folder in present:
        score_folder(folder, classifier, args.tag, args.batch_size,
                     args.suffixes, args.overwrite)


if __name__ == '__main__':
    main()
