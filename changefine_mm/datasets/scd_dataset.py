"""BaseSCDDataset: semantic change detection pairs (open-cd's names)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.fileio import get_local_path

from changefine_mm.registry import DATASETS
from changefine_mm.utils.image_io import read_image_header
from changefine_mm.utils.pair_names import relative_names
from .cd_dataset import CDDataset, DatasetLayoutError, _head

# data_prefix keys of the five files of a pair, in open-cd's list order.
SCD_PREFIX_KEYS = ('img_path_from', 'img_path_to', 'seg_map_path',
                   'seg_map_path_from', 'seg_map_path_to')


@DATASETS.register_module()
class BaseSCDDataset(CDDataset):
    """Pairs with a binary change label and one land-cover map per date.

    open-cd's ``BaseSCDDataset`` with its config keys: ``data_prefix``
    names ``img_path_from``, ``img_path_to``, ``seg_map_path`` (binary
    change), ``seg_map_path_from`` and ``seg_map_path_to`` (semantic maps
    of date A and date B); metainfo adds ``semantic_classes`` and
    ``semantic_palette``. Pairs come from folders (matched by name) or an
    ``ann_file`` with, per line, either one stem or open-cd's five stems
    ``from to label label_from label_to`` (BANDON's lists).

    The semantic maps are decoded by ``MultiImgMultiAnnLoadAnnotations``:
    single-channel files hold class indices; colour files (the SECOND
    release's ``label1``/``label2``) are mapped to indices through
    ``semantic_palette``. ``reduce_semantic_zero_label=True`` then makes
    raw 0 ignored and v -> v - 1 (SECOND, Landsat-SCD: raw 0 is
    'unchanged', which the semantic heads do not predict).

    Without ``seg_map_path`` (SECOND as released has no binary label) the
    binary label is derived: changed where the date-A or date-B map is not
    raw class 0, which requires ``semantic_classes[0] == 'unchanged'``.

    Args:
        reduce_semantic_zero_label (bool): See above. Defaults to False.
        **kwargs: :class:`CDDataset` arguments.
    """

    METAINFO = dict(classes=('unchanged', 'changed'),
                    palette=[[0, 0, 0], [255, 255, 255]])
    FOLDER_NAMES = ('im1', 'im2', 'label', 'label1', 'label2')

    def __init__(self,
                 reduce_semantic_zero_label: bool = False,
                 lazy_init: bool = False,
                 **kwargs) -> None:
        self.reduce_semantic_zero_label = reduce_semantic_zero_label
        split = kwargs.get('split')
        prefix = dict(kwargs.pop('data_prefix', None) or {})
        if split is not None and 'img_path_from' not in prefix:
            prefix.update(
                zip(SCD_PREFIX_KEYS,
                    (osp.join(split, name) for name in self.FOLDER_NAMES)))
        super().__init__(data_prefix=prefix, lazy_init=True, **kwargs)
        classes = self._metainfo.get('semantic_classes')
        if not classes:
            raise ValueError(
                f'{type(self).__name__}: metainfo needs semantic_classes '
                '(the land-cover classes of the per-date maps)')
        self.semantic_label_map = self.get_semantic_label_map(classes)
        if reduce_semantic_zero_label and self.semantic_label_map and \
                self.semantic_label_map.get(0) != 0:
            raise ValueError(
                f'{type(self).__name__}: with reduce_semantic_zero_label '
                'the semantic_classes subset must keep '
                f'{self.METAINFO["semantic_classes"][0]!r} first (raw 0 is '
                'the ignored class)')
        self._metainfo.update(
            semantic_label_map=self.semantic_label_map,
            reduce_semantic_zero_label=reduce_semantic_zero_label,
            semantic_palette=self._semantic_palette())
        if not lazy_init:
            self.full_init()

    @classmethod
    def get_semantic_label_map(
            cls, new_classes: Optional[Sequence[str]] = None
    ) -> Optional[Dict[int, int]]:
        """Old semantic class index -> new one, for a class subset.

        Args:
            new_classes (sequence[str], optional): The config's
                ``metainfo.semantic_classes``.

        Returns:
            dict | None: None when the classes are the dataset's own;
            classes left out map to 255 (ignored).
        """
        old = cls.METAINFO.get('semantic_classes')
        if new_classes is None or old is None or list(new_classes) == list(
                old):
            return None
        unknown = [c for c in new_classes if c not in old]
        if unknown:
            raise ValueError(
                f'semantic_classes {list(new_classes)} name {unknown}, which '
                f'{cls.__name__} does not have; its classes are {list(old)}')
        return {
            i: list(new_classes).index(c) if c in new_classes else 255
            for i, c in enumerate(old)
        }

    def _semantic_palette(self) -> List[List[int]]:
        classes = self._metainfo['semantic_classes']
        palette = list(self._metainfo.get('semantic_palette') or [])
        if len(palette) == len(classes):
            return palette
        if not palette:
            # Seeded without touching the global numpy state (as mmseg).
            rng = np.random.default_rng(42)
            return rng.integers(0, 255, (len(classes), 3)).tolist()
        if self.semantic_label_map is not None:
            kept = sorted((new, old)
                          for old, new in self.semantic_label_map.items()
                          if new != 255)
            return [palette[old] for _, old in kept]
        raise ValueError(
            f'{type(self).__name__}: semantic_palette has {len(palette)} '
            f'colours for {len(classes)} semantic_classes')

    # ------------------------------------------------------------ listing
    def load_data_list(self) -> List[dict]:
        """Read the pairs from folders or ``ann_file``.

        Returns:
            list[dict]: One ``data_info`` per pair, with the semantic
            label paths and rules added.
        """
        self._check_derivable()
        if self.ann_file:
            rows = self._rows_from_ann_file()
        else:
            rows = self._rows_from_folders()
        if not rows:
            raise DatasetLayoutError(
                f'no image pairs found in '
                f'{self.ann_file or self.data_prefix.get("img_path_from")!r}'
                f': check data_root, data_prefix and img_suffix '
                f'({self.img_suffix!r})')
        self._check_files(rows)
        names = relative_names([r[0] for r in rows],
                               self.data_prefix.get('img_path_from', ''))
        return [self._scd_info(row, name) for row, name in zip(rows, names)]

    def _check_derivable(self) -> None:
        if not self.with_label or self.data_prefix.get('seg_map_path'):
            return
        first = self._metainfo['semantic_classes'][0]
        if first != 'unchanged':
            raise DatasetLayoutError(
                f'{type(self).__name__}: data_prefix has no seg_map_path '
                'and the binary label cannot be derived from the semantic '
                f"maps (semantic class 0 is {first!r}, not 'unchanged'); "
                'add the binary label folder as seg_map_path')

    def _scd_info(self, row: tuple, name: str) -> dict:
        info = self._data_info(row[0], row[1], row[2], name)
        info.update(
            seg_map_path_from=row[3],
            seg_map_path_to=row[4],
            semantic_label_map=self.semantic_label_map,
            reduce_semantic_zero_label=self.reduce_semantic_zero_label,
            semantic_palette=self._metainfo['semantic_palette'],
            num_semantic_classes=self._num_semantic_outputs())
        return info

    def _num_semantic_outputs(self) -> int:
        """How many class indices the semantic maps may hold."""
        count = len(self._metainfo['semantic_classes'])
        return count - 1 if self.reduce_semantic_zero_label else count

    def _dir(self, key: str) -> str:
        return self.data_prefix.get(key) or ''

    def _label_dirs(self) -> List[str]:
        if not self.with_label:
            return []
        keys = ('seg_map_path_from', 'seg_map_path_to')
        missing = [k for k in keys if not self._dir(k)]
        if missing:
            raise DatasetLayoutError(
                f'{type(self).__name__}: data_prefix needs {missing} (the '
                'per-date semantic label folders), or with_label=False')
        return [self._dir(k) for k in ('seg_map_path', ) + keys]

    def _rows_from_folders(self) -> List[tuple]:
        dir_from, dir_to = self._dir('img_path_from'), self._dir('img_path_to')
        label_dirs = self._label_dirs()
        for folder in [dir_from, dir_to] + [d for d in label_dirs if d]:
            if not osp.isdir(folder):
                raise DatasetLayoutError(
                    f'data folder does not exist: {folder}')
        names = self._list(dir_from)
        unmatched = sorted(set(names).symmetric_difference(
            self._list(dir_to)))
        if unmatched:
            raise DatasetLayoutError(
                f'{len(unmatched)} image(s) without a partner between '
                f'{dir_from} and {dir_to}: {_head(unmatched)}')
        rows = []
        for name in names:
            labels = [
                osp.join(d, self._label_name(name)) if d else None
                for d in label_dirs
            ] or [None] * 3
            rows.append((osp.join(dir_from, name), osp.join(dir_to, name),
                         *labels))
        return rows

    def _rows_from_ann_file(self) -> List[tuple]:
        if not osp.isfile(self.ann_file):
            raise DatasetLayoutError(
                f'ann_file does not exist: {self.ann_file}')
        with get_local_path(self.ann_file,
                            backend_args=self.backend_args) as path:
            with open(path, encoding='utf-8') as f:
                lines = [(i, line.split()) for i, line in enumerate(f, 1)]
        label_dirs = self._label_dirs()
        rows = []
        for line_no, stems in lines:
            if not stems:
                continue
            if len(stems) not in (1, 5):
                raise DatasetLayoutError(
                    f'{self.ann_file}, line {line_no}: expected one stem or '
                    'five stems "from to label label_from label_to", got '
                    f'{len(stems)} fields')
            stems = stems * 5 if len(stems) == 1 else stems
            images = [
                osp.join(self._dir(k), s + self.img_suffix)
                for k, s in zip(SCD_PREFIX_KEYS[:2], stems[:2])
            ]
            labels = [
                osp.join(d, s + self.seg_map_suffix) if d else None
                for d, s in zip(label_dirs, stems[2:])
            ] or [None] * 3
            rows.append((*images, *labels))
        return rows

    # ----------------------------------------------------------- checking
    def filter_data(self) -> List[dict]:
        """:class:`CDDataset`'s pair checks, then the semantic maps: each
        readable and of its pair's size, all problems in one error.

        Returns:
            list[dict]: The pairs to use.
        """
        data_list = super().filter_data()
        if not self.check_pairs:
            return data_list
        problems = []
        for info in data_list:
            path_a = info['img_path'][0]
            paths = [info.get(k) for k in ('seg_map_path_from',
                                           'seg_map_path_to')]
            for path in [p for p in paths if p and '://' not in p]:
                problems.extend(_size_problem(path_a, path))
        if problems:
            raise DatasetLayoutError(
                f'{type(self).__name__}: {len(problems)} semantic label '
                f'problem(s): {_head(problems)}')
        return data_list

    def _check_files(self, rows: List[tuple]) -> None:
        missing = [p for row in rows for p in row
                   if p is not None and not osp.isfile(p)]
        if missing:
            source = self.ann_file or 'the data_prefix folders'
            raise DatasetLayoutError(
                f'{source}: {len(missing)} file(s) of the listed pairs do '
                f'not exist: {_head(missing)}')


def _size_problem(path_a: str, label: str) -> List[str]:
    """A semantic label that cannot be read or differs in size from A."""
    try:
        head_a, head_label = read_image_header(path_a), read_image_header(
            label)
    except (OSError, ValueError, ImportError) as err:
        return [f'{label}: cannot read its header: {err}']
    if (head_a.width, head_a.height) != (head_label.width,
                                         head_label.height):
        return [f'{label} is {head_label.width}x{head_label.height} but '
                f'{path_a} is {head_a.width}x{head_a.height} (width x '
                'height)']
    return []
