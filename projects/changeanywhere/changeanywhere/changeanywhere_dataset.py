"""ChangeAnywhereDataset: synthetic pairs with both dates' class maps."""
import os.path as osp
from typing import List, Optional

from changefine_mm.datasets import CDDataset, DatasetLayoutError
from changefine_mm.registry import DATASETS


@DATASETS.register_module()
class ChangeAnywhereDataset(CDDataset):
    """Synthetic change pairs: ``<split>/{A,B,label}`` (+ class maps).

    Reads the folders written by ``tools/generate_change_pairs.py`` and
    the same structure for the released ChangeAnywhere-100K (A/B/label
    PNGs with 0/255 or 0/1 labels; set ``data_prefix`` if an archive names
    its folders differently). Stem lists (``ann_file``) work as in
    :class:`CDDataset`. With ``with_semantic=True`` each ``data_info`` also
    gets ``semantic_paths=[A map, B map]`` from the ``semantic_A`` /
    ``semantic_B`` folders (``semantic_folders``), for semantic-change
    uses; the binary pipelines ignore them.

    Args:
        with_semantic (bool): Add the class-map paths. Defaults to False.
        semantic_folders (tuple[str, str]): Folder names of the class maps,
            next to ``A``. Defaults to ('semantic_A', 'semantic_B').
        **kwargs: :class:`CDDataset` arguments.
    """

    def __init__(self,
                 with_semantic: bool = False,
                 semantic_folders=('semantic_A', 'semantic_B'),
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        self.with_semantic = with_semantic
        self.semantic_folders = tuple(semantic_folders)
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        """The pairs of :class:`CDDataset`, plus class-map paths if asked."""
        data_list = super().load_data_list()
        if not self.with_semantic:
            return data_list
        for info in data_list:
            path_a = info['img_path'][0]
            split_dir = osp.dirname(osp.dirname(path_a))
            name = osp.basename(info['seg_map_path'] or path_a)
            paths = [osp.join(split_dir, folder, name)
                     for folder in self.semantic_folders]
            missing: Optional[str] = next(
                (p for p in paths if not osp.isfile(p)), None)
            if missing:
                raise DatasetLayoutError(
                    f'with_semantic=True but the class map {missing} does '
                    'not exist')
            info['semantic_paths'] = paths
        return data_list
