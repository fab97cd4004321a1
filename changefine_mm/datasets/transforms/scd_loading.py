"""Loading of the binary change label and the two dates' semantic maps."""
import io
from typing import Optional, Sequence

import numpy as np
from PIL import Image
from mmengine.fileio import get

from changefine_mm.registry import TRANSFORMS
from .label_rules import LabelValueError, read_label_image
from .loading import ImagePairError, MultiImgLoadAnnotations
from .opencd_label import decode_grey_label, reduce_zero

SEMANTIC_KEYS = (('seg_map_path_from', 'gt_seg_map_from'),
                 ('seg_map_path_to', 'gt_seg_map_to'))


def colour_to_index(rgb: np.ndarray, palette: Sequence[Sequence[int]],
                    path: str) -> np.ndarray:
    """Map an RGB class-colour image to class indices.

    Args:
        rgb (np.ndarray): (H, W, 3) uint8 image, RGB order.
        palette (sequence): RGB colour of each class index.
        path (str): The file name, for error messages.

    Returns:
        np.ndarray: uint8 (H, W) class indices.

    Raises:
        LabelValueError: A pixel has a colour outside the palette.
    """
    codes = (rgb[..., 0].astype(np.int64) << 16) | (
        rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    table = [(r << 16) | (g << 8) | b for r, g, b in palette]
    index = np.full(codes.shape, 255, np.uint8)
    for class_index, code in enumerate(table):
        index[codes == code] = class_index
    unknown = np.unique(codes[index == 255])
    if unknown.size:
        shown = [((c >> 16) & 255, (c >> 8) & 255, c & 255)
                 for c in unknown[:5]]
        raise LabelValueError(
            f'semantic label {path} has {unknown.size} colour(s) outside '
            f'semantic_palette {list(map(list, palette))}, e.g. {shown}: '
            'set metainfo.semantic_palette to the colours of the files (or '
            'convert them to class-index PNGs)')
    return index


def decode_semantic_label(content: bytes, path: str,
                          palette: Sequence[Sequence[int]]) -> np.ndarray:
    """Decode a per-date semantic map: index or colour-coded file.

    Single-channel, palette-mode and grey-RGB files give their values
    (class indices); a colour file whose channels differ is mapped
    through ``palette``.

    Args:
        content (bytes): The file's bytes.
        path (str): The file name, for error messages.
        palette (sequence): RGB colour of each raw class index.

    Returns:
        np.ndarray: uint8 (H, W) raw class indices.
    """
    try:
        return read_label_image(content, path).astype(np.uint8)
    except LabelValueError:
        pass
    with Image.open(io.BytesIO(content)) as image:
        rgb = np.asarray(image.convert('RGB'))
    return colour_to_index(rgb, palette, path)


@TRANSFORMS.register_module()
class MultiImgMultiAnnLoadAnnotations(MultiImgLoadAnnotations):
    """Load the binary change label and both dates' semantic maps.

    open-cd's transform of the same name, used by its semantic change
    configs. Adds ``gt_seg_map`` (binary change, by the dataset's label
    rule as :class:`MultiImgLoadAnnotations`), ``gt_seg_map_from`` and
    ``gt_seg_map_to`` (uint8 class indices, 255 ignored) and lists all
    three in ``seg_fields``, so every geometric transform moves them
    together.

    Semantic maps may be class-index files or colour files (mapped through
    the dataset's ``semantic_palette``). Then the dataset's
    ``semantic_label_map`` (class subsets, on the raw indices) and
    ``reduce_semantic_zero_label`` (raw 0 -> 255, v -> v - 1) apply; any
    other value above the class count is an error naming the file. With
    ``opencd_compat`` set by the dataset, the maps are decoded as open-cd
    does (grey conversion of whatever the file holds).

    Differences from open-cd: open-cd converts colour files to grey
    (meaningless values for SECOND's colour release), and applies the
    binary ``label_map`` to the reduced semantic maps where it means
    ``semantic_label_map`` on the raw ones; here the semantic map is
    applied to the raw indices it was made for. When the
    dataset has no binary label folder, ``gt_seg_map`` is derived: 1
    where either date's raw class is not 0 (unchanged).

    Args:
        reduce_semantic_zero_label (bool, optional): open-cd's argument;
            it must agree with the dataset's (used when None).
        **kwargs: :class:`MultiImgLoadAnnotations` arguments.
    """

    def __init__(self,
                 reduce_semantic_zero_label: Optional[bool] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.reduce_semantic_zero_label = reduce_semantic_zero_label

    def _reduce_semantic(self, results: dict) -> bool:
        from_dataset = bool(results.get('reduce_semantic_zero_label'))
        if self.reduce_semantic_zero_label is not None and bool(
                self.reduce_semantic_zero_label) != from_dataset:
            raise ValueError(
                'MultiImgMultiAnnLoadAnnotations(reduce_semantic_zero_label='
                f'{self.reduce_semantic_zero_label}) disagrees with the '
                f'dataset of {results["seg_map_path_from"]} '
                f'(reduce_semantic_zero_label={from_dataset}); set it in '
                'the dataset config only')
        return from_dataset

    def _raw_semantic(self, path: str, results: dict) -> np.ndarray:
        try:
            content = get(path, backend_args=self.backend_args)
        except OSError as err:
            raise OSError(f'cannot read label file {path}: {err}') from err
        if results.get('opencd_compat'):
            raw = decode_grey_label(content, path, self.imdecode_backend)
        else:
            raw = decode_semantic_label(content, path,
                                        results.get('semantic_palette') or [])
        if tuple(raw.shape) != tuple(results['ori_shape']):
            raise ImagePairError(
                f'label {path} is {raw.shape[1]}x{raw.shape[0]} but its '
                f'images are {results["ori_shape"][1]}x'
                f'{results["ori_shape"][0]} (width x height)')
        return raw

    def _encode_semantic(self, raw: np.ndarray, path: str,
                         results: dict) -> np.ndarray:
        label = raw.copy()
        label_map = results.get('semantic_label_map')
        if label_map:
            for old, new in label_map.items():
                label[raw == old] = new
        if self._reduce_semantic(results):
            label = reduce_zero(label)
        count = results.get('num_semantic_classes')
        if count and not results.get('opencd_compat'):
            bad = np.unique(label[(label >= count) & (label != 255)])
            if bad.size:
                raise LabelValueError(
                    f'semantic label {path} has values {bad.tolist()} (after '
                    f'reduce_semantic_zero_label='
                    f'{self._reduce_semantic(results)}), but only 0..'
                    f'{count - 1} and 255 (ignored) are classes: check '
                    'semantic_classes and reduce_semantic_zero_label')
        return label

    def transform(self, results: dict) -> dict:
        raws = [
            self._raw_semantic(results[key], results)
            for key, _ in SEMANTIC_KEYS
        ]
        if results.get('seg_map_path'):
            results = super().transform(results)
        else:
            results['gt_seg_map'] = ((raws[0] != 0) |
                                     (raws[1] != 0)).astype(np.uint8)
            results.setdefault('seg_fields', []).append('gt_seg_map')
        for (key, field), raw in zip(SEMANTIC_KEYS, raws):
            results[field] = self._encode_semantic(raw, results[key],
                                                   results)
            results['seg_fields'].append(field)
        return results
