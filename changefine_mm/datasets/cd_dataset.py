"""CDDataset: bi-temporal change-detection pairs from folders or list files."""
import json
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.dataset import BaseDataset
from mmengine.fileio import get_local_path, list_dir_or_file
from mmengine.logging import print_log

from changefine_mm.registry import DATASETS
from changefine_mm.utils.pair_names import relative_names
from .pair_checks import BAD_PAIR_ACTIONS, check_pairs, problems_report
from .transforms.label_rules import LabelValueError, normalize_value_map

_PREFIX_KEYS = ('img_path_from', 'img_path_to', 'seg_map_path')
# Side files of rasters (ENVI headers, GDAL metadata), never images.
SIDECAR_SUFFIXES = ('.hdr', '.aux.xml', '.ovr')


class DatasetLayoutError(ValueError):
    """The files on disk do not form a valid change-detection dataset."""


@DATASETS.register_module()
class CDDataset(BaseDataset):
    """Binary change detection: image pairs (time 1 = A, time 2 = B) + label.

    The pairs come from one of four sources:

    1. **Folders** (no ``ann_file``): ``data_prefix=dict(img_path_from=...,
       img_path_to=..., seg_map_path=...)`` (open-cd's keys). Files are
       paired by name; a file without its partner is an error that lists
       the unmatched names.
    2. **Stem list** (open-cd, ChangeAnywhere few-shot splits): an
       ``ann_file`` with one file stem per line; the suffixes are appended
       and the stems are looked up in the three folders.
    3. **Path triplets** (ChangeCLIP): an ``ann_file`` whose lines are
       ``pathA pathB pathLabel`` separated by any whitespace, relative to
       ``data_root`` unless absolute.
    4. **ChangeFine JSON**: an ``ann_file`` ending in ``.json`` with
       ``images[].oldpath/newpath/labelpath``.

    Label values are decoded by ``MultiImgLoadAnnotations`` with the rule
    chosen here (see :mod:`changefine_mm.datasets.transforms.label_rules`):
    by default 0/255 and 0/1 files both become {0 unchanged, 1 changed},
    and any other value is an error naming the file unless ``value_map``
    maps it (for example ``value_map={255: 255}`` to ignore 255 in a 0/1
    dataset). ``format_seg_map='to_binary'`` instead thresholds at 128, as
    open-cd does, which suits lossy (JPEG) label files, and refuses files
    whose values look like class indices or grades (xBD's 0..4).

    Before the first iteration (in ``full_init``, so ``lazy_init=True``
    delays it too) every pair's headers are checked: files readable, one
    size for A, B and the label, the same bands and dtype for A and B, and
    with ``check_labels=True`` the label values. All problems are reported
    in one error, or with ``on_bad_pair='skip'`` the bad pairs are left
    out and listed in a warning.

    Each pair is named by the path of its A image relative to the A folder
    (``pair_name``, e.g. ``s1/x.png``), which test outputs and per-image
    scores use, so nested folders never share a name.

    Args:
        ann_file (str): List file; empty to scan folders. Defaults to ''.
        img_suffix (str): Suffix of the image files; '' accepts any file.
        seg_map_suffix (str): Suffix of the label files; '' means the label
            has the image's file name.
        split (str, optional): Shortcut for ``data_prefix``: the three
            folders become ``<split>/<name>`` with the dataset's
            ``FOLDER_NAMES``. Ignored when ``data_prefix`` names them.
        format_seg_map (str, optional): None for the strict rule,
            'to_binary' for thresholding at 128.
        value_map (dict, optional): Raw label value -> class index (or
            ``ignore_index``), applied before the encoding rule. String
            keys and values (``--cfg-options ...value_map.2=1``) are read
            as integers.
        ignore_index (int): Label value ignored by losses and metrics.
        with_label (bool): Whether label files are required. Set to False
            to run inference on pairs without ground truth.
        opencd_compat (bool): Read labels exactly as open-cd does (grey
            decoding, no value checks, see
            :mod:`changefine_mm.datasets.transforms.opencd_label`); an unset
            ``format_seg_map`` then takes open-cd's default for the
            dataset (``OPENCD_FORMAT_SEG_MAP``).
        reduce_zero_label (bool): mmseg's 0 -> ignore, v -> v - 1 on the
            raw label values (open-cd's argument).
        check_pairs (bool): Check every pair's headers at start.
        check_labels (bool): Also decode every label at start and check
            its values against the label rule.
        on_bad_pair (str): 'error' (stop, listing every bad pair) or
            'skip' (leave bad pairs out with a warning listing them).
        backend_args (dict, optional): mmengine file backend arguments.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO = dict(classes=('unchanged', 'changed'),
                    palette=[[0, 0, 0], [255, 255, 255]])
    FOLDER_NAMES = ('A', 'B', 'label')
    # open-cd's format_seg_map for the dataset, used with opencd_compat.
    OPENCD_FORMAT_SEG_MAP: Optional[str] = 'to_binary'

    def __init__(self,
                 ann_file: str = '',
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 split: Optional[str] = None,
                 format_seg_map: Optional[str] = None,
                 value_map: Optional[Dict[int, int]] = None,
                 ignore_index: int = 255,
                 with_label: bool = True,
                 opencd_compat: bool = False,
                 reduce_zero_label: bool = False,
                 data_prefix: Optional[dict] = None,
                 check_pairs: bool = True,
                 check_labels: bool = False,
                 on_bad_pair: str = 'error',
                 backend_args: Optional[dict] = None,
                 **kwargs) -> None:
        if format_seg_map not in (None, 'to_binary'):
            raise ValueError("format_seg_map must be None or 'to_binary', "
                             f'got {format_seg_map!r}')
        if on_bad_pair not in BAD_PAIR_ACTIONS:
            raise ValueError(f'on_bad_pair must be one of {BAD_PAIR_ACTIONS}'
                             f', got {on_bad_pair!r}')
        if opencd_compat and format_seg_map is None:
            format_seg_map = self.OPENCD_FORMAT_SEG_MAP
        self.opencd_compat = opencd_compat
        self.reduce_zero_label = reduce_zero_label
        self.img_suffix = img_suffix
        self.seg_map_suffix = seg_map_suffix
        self.format_seg_map = format_seg_map
        self.ignore_index = ignore_index
        self.value_map = self._checked_value_map(value_map)
        self.check_pairs = check_pairs
        self.check_labels = check_labels
        self.on_bad_pair = on_bad_pair
        self.with_label = with_label
        self.backend_args = backend_args
        data_prefix = dict(data_prefix or {})
        if split is not None and 'img_path_from' not in data_prefix:
            data_prefix.update(
                zip(_PREFIX_KEYS,
                    (osp.join(split, name) for name in self.FOLDER_NAMES)))
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def _checked_value_map(self, value_map) -> Dict[int, int]:
        value_map = normalize_value_map(value_map)
        allowed = set(range(len(self.METAINFO['classes']))) | {
            self.ignore_index
        }
        wrong = {k: v for k, v in value_map.items() if v not in allowed}
        if wrong:
            raise LabelValueError(
                f'value_map={value_map} maps {wrong} to values that are '
                f'neither a class index ({self.METAINFO["classes"]}) nor '
                f'ignore_index ({self.ignore_index})')
        return value_map

    # ------------------------------------------------------------ listing
    def load_data_list(self) -> List[dict]:
        """Read the pairs from the configured source.

        Returns:
            list[dict]: One ``data_info`` per pair.
        """
        if self.ann_file:
            triplets = self._triplets_from_ann_file(self.ann_file)
            source = self.ann_file
        else:
            triplets = self._triplets_from_folders()
            source = self.data_prefix.get('img_path_from', '')
        if not triplets:
            raise DatasetLayoutError(
                f'no image pairs found in {source!r}: check data_root, '
                'data_prefix/ann_file and img_suffix '
                f'({self.img_suffix!r})')
        names = relative_names([t[0] for t in triplets],
                               self.data_prefix.get('img_path_from', ''))
        return [
            self._data_info(*triplet, name)
            for triplet, name in zip(triplets, names)
        ]

    def _data_info(self, path_from: str, path_to: str,
                   seg_path: Optional[str], name: str) -> dict:
        return dict(
            img_path=[path_from, path_to],
            pair_name=name,
            seg_map_path=seg_path,
            format_seg_map=self.format_seg_map,
            value_map=self.value_map,
            ignore_index=self.ignore_index,
            reduce_zero_label=self.reduce_zero_label,
            opencd_compat=self.opencd_compat,
            label_map=None,
            seg_fields=[])

    def _folders(self) -> Tuple[str, str, str]:
        missing = [k for k in _PREFIX_KEYS[:2] if not self.data_prefix.get(k)]
        if missing:
            raise DatasetLayoutError(
                f'{type(self).__name__}: data_prefix needs {missing} '
                '(or give split=...)')
        return tuple(self.data_prefix.get(k, '') for k in _PREFIX_KEYS)

    def _label_name(self, img_name: str) -> str:
        if not self.img_suffix and not osp.splitext(img_name)[1]:
            # Suffix-less images (ENVI data files): label = name + suffix.
            return img_name + self.seg_map_suffix
        if not self.seg_map_suffix or not self.img_suffix:
            return img_name
        return img_name[:-len(self.img_suffix)] + self.seg_map_suffix

    def _triplets_from_folders(self) -> List[tuple]:
        dir_from, dir_to, dir_label = self._folders()
        labels = (dir_label, ) if self.with_label else ()
        for folder in (dir_from, dir_to) + labels:
            if not osp.isdir(folder):
                raise DatasetLayoutError(f'data folder does not exist: '
                                         f'{folder}')
        names_from = self._list(dir_from)
        names_to = set(self._list(dir_to))
        no_b = [n for n in names_from if n not in names_to]
        extra_b = sorted(names_to.difference(names_from))
        no_label = []
        if self.with_label:
            labels = set(self._list(dir_label, self.seg_map_suffix))
            no_label = [
                n for n in names_from if self._label_name(n) not in labels
            ]
        problems = []
        if no_b:
            problems.append(f'{len(no_b)} file(s) in {dir_from} without a '
                            f'partner in {dir_to}: {_head(no_b)}')
        if extra_b:
            problems.append(f'{len(extra_b)} file(s) in {dir_to} without a '
                            f'partner in {dir_from}: {_head(extra_b)}')
        if no_label:
            problems.append(f'{len(no_label)} pair(s) without a label in '
                            f'{dir_label}: {_head(no_label)}')
        if problems:
            raise DatasetLayoutError('; '.join(problems))
        return [(osp.join(dir_from, n), osp.join(dir_to, n),
                 osp.join(dir_label, self._label_name(n))
                 if self.with_label else None) for n in names_from]

    def _list(self, folder: str, suffix: Optional[str] = None) -> List[str]:
        suffix = self.img_suffix if suffix is None else suffix
        return sorted(
            name for name in list_dir_or_file(
                folder,
                list_dir=False,
                suffix=suffix or None,
                recursive=True,
                backend_args=self.backend_args)
            if not name.lower().endswith(SIDECAR_SUFFIXES))

    def _triplets_from_ann_file(self, ann_file: str) -> List[tuple]:
        if not osp.isfile(ann_file):
            raise DatasetLayoutError(f'ann_file does not exist: {ann_file}')
        with get_local_path(ann_file, backend_args=self.backend_args) as path:
            if path.endswith('.json'):
                return self._triplets_from_json(path)
            with open(path, encoding='utf-8') as f:
                lines = [(i, line.split()) for i, line in enumerate(f, 1)]
        rows = [(i, tokens) for i, tokens in lines if tokens]
        widths = {len(tokens) for _, tokens in rows}
        if widths == {1}:
            return self._triplets_from_stems([t[0] for _, t in rows])
        triplets = []
        for line_no, tokens in rows:
            if len(tokens) not in (2, 3) or (len(tokens) == 2
                                             and self.with_label):
                raise DatasetLayoutError(
                    f'{ann_file}, line {line_no}: expected one stem per line '
                    'or "pathA pathB pathLabel", got '
                    f'{len(tokens)} fields')
            paths = [self._under_root(t) for t in tokens]
            triplets.append((paths[0], paths[1],
                             paths[2] if self.with_label else None))
        self._check_exist(triplets, ann_file)
        return triplets

    def _triplets_from_stems(self, stems: Sequence[str]) -> List[tuple]:
        dir_from, dir_to, dir_label = self._folders()
        triplets = [(osp.join(dir_from, s + self.img_suffix),
                     osp.join(dir_to, s + self.img_suffix),
                     osp.join(dir_label, s + self.seg_map_suffix)
                     if self.with_label else None) for s in stems]
        self._check_exist(triplets, self.ann_file)
        return triplets

    def _triplets_from_json(self, path: str) -> List[tuple]:
        with open(path, encoding='utf-8') as f:
            try:
                content = json.load(f)
            except json.JSONDecodeError as err:
                raise DatasetLayoutError(f'{self.ann_file}: not valid JSON '
                                         f'({err})') from err
        images = content.get('images') if isinstance(content, dict) else None
        if not isinstance(images, list):
            raise DatasetLayoutError(
                f'{self.ann_file}: expected ChangeFine JSON with an "images" '
                'list of {oldpath, newpath, labelpath}')
        triplets = []
        for i, item in enumerate(images):
            keys = ('oldpath', 'newpath') + (('labelpath', )
                                             if self.with_label else ())
            missing = [k for k in keys if k not in item]
            if missing:
                raise DatasetLayoutError(
                    f'{self.ann_file}: images[{i}] lacks {missing}')
            paths = [self._under_root(item[k].replace('\\', '/'))
                     for k in keys]
            triplets.append((paths[0], paths[1],
                             paths[2] if self.with_label else None))
        self._check_exist(triplets, self.ann_file)
        return triplets

    def _under_root(self, path: str) -> str:
        if osp.isabs(path) or not self.data_root:
            return path
        return osp.join(self.data_root, path)

    # ----------------------------------------------------------- checking
    def filter_data(self) -> List[dict]:
        """Check every pair (``check_pairs``), then drop or report bad ones.

        Returns:
            list[dict]: The pairs to use.
        """
        data_list = super().filter_data()
        if not self.check_pairs:
            return data_list
        problems = check_pairs(data_list, self.check_labels,
                               self.backend_args)
        if not problems.by_index:
            return data_list
        settings = dict(value_map=self.value_map,
                        ignore_index=self.ignore_index,
                        format_seg_map=self.format_seg_map)
        if self.on_bad_pair == 'error' or len(problems.by_index) == len(
                data_list):
            left = '' if self.on_bad_pair == 'error' else \
                "(on_bad_pair='skip': no pair is left) "
            raise DatasetLayoutError(
                f'{type(self).__name__}: {left}' +
                problems_report(data_list, problems, settings))
        print_log(f'{type(self).__name__}: ' + problems_report(
            data_list, problems, settings, skipping=True),
                  logger='current', level=logging.WARNING)
        return [info for i, info in enumerate(data_list)
                if i not in problems.by_index]

    @staticmethod
    def _check_exist(triplets: List[tuple], source: str) -> None:
        missing = [p for triplet in triplets for p in triplet
                   if p is not None and not osp.isfile(p)]
        if missing:
            raise DatasetLayoutError(
                f'{source} lists {len(missing)} file(s) that do not exist: '
                f'{_head(missing)}')


def _head(names: Sequence[str], limit: int = 10) -> str:
    shown = ', '.join(names[:limit])
    return shown + (f', ... (+{len(names) - limit} more)'
                    if len(names) > limit else '')
