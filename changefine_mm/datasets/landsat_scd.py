"""Landsat-SCD (Yuan et al. 2022): semantic change, 416x416 Landsat tiles."""
from changefine_mm.registry import DATASETS
from .scd_dataset import BaseSCDDataset


@DATASETS.register_module(name=['LandsatSCDDataset', 'Landsat_Dataset'])
class LandsatSCDDataset(BaseSCDDataset):
    """Landsat-SCD in open-cd's layout
    ``{train,val,test}/{im1,im2,label,label1,label2}/*.png``.

    Semantic maps hold 0 (unchanged) and 1..4 (farmland, desert, building,
    water), as index or colour (``semantic_palette``) files. Also
    registered as open-cd's ``Landsat_Dataset``.
    """

    METAINFO = dict(
        classes=('unchanged', 'changed'),
        palette=[[0, 0, 0], [255, 255, 255]],
        semantic_classes=('unchanged', 'farmland', 'desert', 'building',
                          'water'),
        semantic_palette=[[255, 255, 255], [0, 155, 0], [255, 165, 0],
                          [230, 30, 100], [0, 170, 240]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_semantic_zero_label: bool = True,
                 **kwargs) -> None:
        super().__init__(img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix,
                         reduce_semantic_zero_label=reduce_semantic_zero_label,
                         **kwargs)
