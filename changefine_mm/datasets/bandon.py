"""BANDON (Pang et al. 2023): building change with roof/facade maps."""
from changefine_mm.registry import DATASETS
from .scd_dataset import BaseSCDDataset


@DATASETS.register_module(name=['BANDONDataset', 'BANDON_Dataset'])
class BANDONDataset(BaseSCDDataset):
    """BANDON: ``<split>/imgs/<city>/<time>/*.jpg``, binary labels under
    ``<split>/labels_unch0ch1ig255`` (train) or ``labels`` (0/255, val and
    test), building maps (0 background, 1 roof, 2 facade) under
    ``<split>/building_labels/<city>/<time>/*.png``.

    Pairs come from list files of five stems per line
    (``city/t1/name city/t2/name city/t1VSt2/name city/t1/name
    city/t2/name``), as written by open-cd's
    ``tools/dataset_converters/generate_bandon_txt.py``. Also registered
    as open-cd's ``BANDON_Dataset``.
    """

    METAINFO = dict(
        classes=('unchanged', 'changed'),
        palette=[[0, 0, 0], [255, 255, 255]],
        semantic_classes=('background', 'roofs', 'facades'),
        semantic_palette=[[0, 0, 0], [244, 177, 131], [143, 170, 220]])

    def __init__(self,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 reduce_semantic_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix,
                         reduce_semantic_zero_label=reduce_semantic_zero_label,
                         **kwargs)
