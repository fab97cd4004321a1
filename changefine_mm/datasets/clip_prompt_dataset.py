"""CLIPPromptDataset: a change dataset plus each date's top-k CLIP classes."""
import copy
import os.path as osp
from typing import Dict, List, Sequence, Tuple

from mmengine.dataset import Compose

from changefine_mm.registry import DATASETS
from .clip_prompt_json import PromptJSONError, load_rankings, prompt_json_path

# Transforms that swap the two dates would leave the class names of A on
# B; the names are attached after the pipeline, so such a pipeline is
# refused.
_DATE_SWAPPING = ('MultiImgExchangeTime', 'changefine_mm.MultiImgExchangeTime')


@DATASETS.register_module()
class CLIPPromptDataset:
    """Wraps a change dataset and gives each pair its CLIP prompt classes.

    The data side of CLIP-text-conditioned change detection: counterpart
    of ChangeCLIP's ``TXTCDDatasetJSON`` (and CLIPFormer's copy of it). For
    every image the per-split, per-date JSON written by
    ``tools/misc/clip_prompt_classes.py`` (or by ChangeCLIP's own
    ``tools/clip_inference.py``) is read from
    ``<folder of the image>_clipcls_<json_tag>.json``, and the ``topk``
    most probable class names of date A and of date B are attached to the
    packed sample as ``metainfo['prompt_classes'] = [names_A, names_B]``.

    Unlike the official reader, a missing JSON file or image entry is an
    error (the official one silently prompts with no class names), and
    records are matched by file name, so JSON files written on another
    machine work.

    The wrapped dataset is named by ``dataset_type`` and takes the other
    keyword arguments, so a config turns a dataset into a prompted one by
    changing ``type`` and adding ``dataset_type``::

        dataset=dict(type='CLIPPromptDataset', dataset_type='LEVIRCDDataset',
                     data_root=..., data_prefix=..., pipeline=...)

    Args:
        dataset_type (str): Registered type of the wrapped dataset (any
            :class:`CDDataset`).
        json_tag (str): Tag of the JSON files. Defaults to '56_vit16'.
        topk (int): Class names kept per image. Defaults to 9.
        pipeline (sequence[dict]): The data pipeline (run by the wrapper,
            after which the class names are attached).
        lazy_init (bool): Defer reading the dataset and the JSON files
            until :meth:`full_init`. Defaults to False.
        **kwargs: Arguments of the wrapped dataset.
    """

    def __init__(self,
                 dataset_type: str,
                 json_tag: str = '56_vit16',
                 topk: int = 9,
                 pipeline: Sequence[dict] = (),
                 lazy_init: bool = False,
                 **kwargs) -> None:
        if topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')
        swapping = [t['type'] for t in pipeline
                    if isinstance(t, dict) and t.get('type') in _DATE_SWAPPING]
        if swapping:
            raise ValueError(
                f'CLIPPromptDataset: the pipeline swaps the dates '
                f'({swapping}), which would give date B the class names of '
                'date A; remove it')
        self.dataset = DATASETS.build(
            dict(kwargs, type=dataset_type, lazy_init=True))
        self.pipeline = Compose(list(pipeline))
        self.json_tag = json_tag
        self.topk = topk
        self._names: List[Tuple[List[str], List[str]]] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information."""
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        """Load the wrapped dataset and every pair's prompt classes."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        cache: Dict[str, Dict[str, List[str]]] = {}
        self._names = [
            tuple(
                self._ranked(path, cache)[:self.topk]
                for path in self.dataset.get_data_info(i)['img_path'])
            for i in range(len(self.dataset))
        ]
        self._fully_initialized = True

    def _ranked(self, image_path: str,
                cache: Dict[str, Dict[str, List[str]]]) -> List[str]:
        json_path = prompt_json_path(osp.dirname(image_path), self.json_tag)
        if json_path not in cache:
            cache[json_path] = load_rankings(json_path)
        name = osp.basename(image_path)
        if name not in cache[json_path]:
            raise PromptJSONError(
                f'{json_path} has no record for {name}; rerun '
                'tools/misc/clip_prompt_classes.py on this split')
        ranked = cache[json_path][name]
        if len(ranked) < self.topk:
            raise PromptJSONError(
                f'{json_path}: {name} has {len(ranked)} classes, fewer than '
                f'topk={self.topk}')
        return ranked

    def prompt_classes(self, idx: int) -> List[List[str]]:
        """The top-k class names of date A and date B of one pair.

        Args:
            idx (int): Index of the pair.

        Returns:
            list[list[str]]: ``[names_A, names_B]``.
        """
        self.full_init()
        return [list(names) for names in self._names[idx]]

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's ``data_info`` plus ``prompt_classes``."""
        info = self.dataset.get_data_info(idx)
        info['prompt_classes'] = self.prompt_classes(idx)
        return info

    def __len__(self) -> int:
        self.full_init()
        return len(self.dataset)

    def __getitem__(self, idx: int) -> dict:
        """Run the pipeline on pair ``idx`` and attach its class names."""
        data = self.pipeline(self.get_data_info(idx))
        if data is None:
            raise RuntimeError(
                f'the pipeline dropped pair {idx} '
                f'({self.dataset.get_data_info(idx)["img_path"]})')
        data['data_samples'].set_metainfo(
            dict(prompt_classes=self.prompt_classes(idx)))
        return data
