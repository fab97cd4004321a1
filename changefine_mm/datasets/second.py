"""SECOND (Yang et al. 2021): semantic change detection, 512x512 tiles."""
from changefine_mm.registry import DATASETS
from .scd_dataset import BaseSCDDataset


@DATASETS.register_module(name=['SECONDDataset', 'SECOND_Dataset'])
class SECONDDataset(BaseSCDDataset):
    """SECOND: ``{train,val}/{im1,im2,label1,label2}/*.png``.

    ``label1``/``label2`` colour each changed pixel by its land-cover class
    in that date and unchanged pixels white; both these colour files and
    single-channel index files (0 unchanged, 1..6 the classes, as open-cd
    reads them) are accepted. The binary label folder (open-cd's
    ``label``) is optional: without it the change is derived from the
    semantic maps. Also registered as open-cd's ``SECOND_Dataset``.
    """

    METAINFO = dict(
        classes=('unchanged', 'changed'),
        palette=[[0, 0, 0], [255, 255, 255]],
        semantic_classes=('unchanged', 'water', 'ground', 'low vegetation',
                          'tree', 'building', 'sports field'),
        semantic_palette=[[255, 255, 255], [0, 0, 255], [128, 128, 128],
                          [0, 128, 0], [0, 255, 0], [128, 0, 0],
                          [255, 0, 0]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_semantic_zero_label: bool = True,
                 **kwargs) -> None:
        super().__init__(img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix,
                         reduce_semantic_zero_label=reduce_semantic_zero_label,
                         **kwargs)
