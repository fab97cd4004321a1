"""Where single-date semantic segmentation samples come from.

A *source* lists (image, class map) file pairs. Three layouts are known:

* ``folders``: any image folder and class-map folder, paired by file stem
  (``x.tif`` with ``x.png``);
* ``loveda``: ``<root>/<Split>/{Urban,Rural}/{images_png,masks_png}``
  (LoveDA, 0 = no-data, 1..7 = background, building, road, water, barren,
  forest, agriculture);
* ``openearthmap``: ``<root>/<region>/{images,labels}/<name>.tif`` with the
  split's file names in ``<root>/<split>.txt`` (OpenEarthMap, 0 = unknown,
  1..8 = bareland, rangeland, developed space, road, tree, water,
  agriculture land, building).
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

IMAGE_SUFFIXES = ('.png', '.tif', '.tiff', '.jpg', '.jpeg', '.bmp')


class SourceLayoutError(ValueError):
    """The files on disk do not form the announced source layout."""


@dataclass(frozen=True)
class SemanticSample:
    """One single-date sample.

    Args:
        name (str): Unique stem used for the generated files.
        image_path (str): The RGB image.
        label_path (str): Its class map (one channel, class ids).
    """
    name: str
    image_path: str
    label_path: str


def _by_stem(folder: str) -> Dict[str, str]:
    if not osp.isdir(folder):
        raise SourceLayoutError(f'folder does not exist: {folder}')
    found: Dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        stem, suffix = osp.splitext(name)
        if suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if stem in found:
            raise SourceLayoutError(
                f'{folder}: two files share the stem {stem!r}: '
                f'{osp.basename(found[stem])} and {name}')
        found[stem] = osp.join(folder, name)
    return found


def list_folder_pair(image_dir: str, label_dir: str,
                     prefix: str = '') -> List[SemanticSample]:
    """Pair the images of one folder with the class maps of another.

    Args:
        image_dir (str): Folder of images.
        label_dir (str): Folder of class maps with the same stems.
        prefix (str): Prepended to every sample name.

    Returns:
        list[SemanticSample]: Sorted by name.

    Raises:
        SourceLayoutError: If a folder is missing or an image has no map.
    """
    images, labels = _by_stem(image_dir), _by_stem(label_dir)
    unmatched = sorted(set(images) - set(labels))
    if unmatched:
        raise SourceLayoutError(
            f'{len(unmatched)} image(s) in {image_dir} without a class map '
            f'in {label_dir}: {", ".join(unmatched[:10])}')
    if not images:
        raise SourceLayoutError(f'no images found in {image_dir}')
    return [SemanticSample(prefix + stem, images[stem], labels[stem])
            for stem in sorted(images)]


def list_loveda(root: str, split: str = 'Train',
                domains: Tuple[str, ...] = ('Urban', 'Rural')
                ) -> List[SemanticSample]:
    """LoveDA samples of one split (names ``<domain>_<id>``)."""
    samples = []
    for domain in domains:
        base = osp.join(root, split, domain)
        samples += list_folder_pair(
            osp.join(base, 'images_png'), osp.join(base, 'masks_png'),
            prefix=f'{domain.lower()}_')
    return samples


def list_openearthmap(root: str, split: str = 'train'
                      ) -> List[SemanticSample]:
    """OpenEarthMap samples listed in ``<root>/<split>.txt``."""
    list_file = osp.join(root, f'{split}.txt')
    if not osp.isfile(list_file):
        raise SourceLayoutError(f'split list does not exist: {list_file}')
    samples = []
    with open(list_file, encoding='utf-8') as f:
        names = [line.strip() for line in f if line.strip()]
    for name in names:
        region = name.rsplit('_', 1)[0]
        image = osp.join(root, region, 'images', name)
        label = osp.join(root, region, 'labels', name)
        missing = [p for p in (image, label) if not osp.isfile(p)]
        if missing:
            raise SourceLayoutError(f'{list_file} lists {name}, but '
                                    f'{missing[0]} does not exist')
        samples.append(SemanticSample(osp.splitext(name)[0], image, label))
    return samples


def list_source(layout: str, root: Optional[str] = None,
                split: Optional[str] = None,
                image_dir: Optional[str] = None,
                label_dir: Optional[str] = None) -> List[SemanticSample]:
    """List the samples of a source described in a generator config.

    Args:
        layout (str): 'folders', 'loveda' or 'openearthmap'.
        root (str, optional): Dataset root (loveda, openearthmap).
        split (str, optional): Split name (loveda: 'Train'/'Val';
            openearthmap: 'train'/'val'/'test').
        image_dir (str, optional): Image folder (folders).
        label_dir (str, optional): Class-map folder (folders).

    Returns:
        list[SemanticSample]: The samples, in a fixed order.
    """
    if layout == 'folders':
        if not image_dir or not label_dir:
            raise SourceLayoutError(
                "layout 'folders' needs image_dir and label_dir")
        return list_folder_pair(image_dir, label_dir)
    if layout == 'loveda':
        return list_loveda(root, split or 'Train')
    if layout == 'openearthmap':
        return list_openearthmap(root, split or 'train')
    raise SourceLayoutError(f"unknown source layout {layout!r}: use "
                            "'folders', 'loveda' or 'openearthmap'")


def read_sample(sample: SemanticSample) -> Tuple[np.ndarray, np.ndarray]:
    """Read one sample.

    Args:
        sample (SemanticSample): The sample.

    Returns:
        tuple: (H, W, 3) uint8 BGR image and (H, W) uint8 class map.

    Raises:
        ValueError: If a file is unreadable, the class map is not one
            8-bit channel, or the sizes differ.
    """
    image = cv2.imread(sample.image_path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f'cannot read image {sample.image_path}')
    label = cv2.imread(sample.label_path, cv2.IMREAD_UNCHANGED)
    if label is None:
        raise ValueError(f'cannot read class map {sample.label_path}')
    if label.ndim != 2 or label.dtype != np.uint8:
        raise ValueError(
            f'class map {sample.label_path} must be one 8-bit channel of '
            f'class ids, got shape {label.shape} and dtype {label.dtype}')
    if label.shape != image.shape[:2]:
        raise ValueError(
            f'class map {sample.label_path} is {label.shape[1]}x'
            f'{label.shape[0]} but its image is {image.shape[1]}x'
            f'{image.shape[0]} (width x height)')
    return image, label
