"""SECONDBCDDataset: SECOND used as binary change detection."""
from changefine_mm.datasets import CDDataset
from changefine_mm.registry import DATASETS


@DATASETS.register_module(name=['SECONDBCDDataset', 'SECOND_BCD_Dataset'])
class SECONDBCDDataset(CDDataset):
    """SECOND as binary change detection: ``{train,test}/{A,B,bcd}``.

    ChangeAnywhere's ``SECOND_BCD_Dataset`` (its vendored
    ``opencd/datasets/second_bcd.py``; the author confirms SECOND was used
    only for binary change detection, ChangeAnywhere issue #4). SECOND
    (Yang et al.) ships semantic maps ``label1``/``label2``; the binary map
    ``bcd`` (changed where ``label1`` is not the unchanged class) is
    derived from them, e.g. with
    ``projects/changeanywhere/tools/second_to_bcd.py``. Labels are 0/255
    or 0/1 PNGs. Also registered under ChangeAnywhere's name.
    """

    FOLDER_NAMES = ('A', 'B', 'bcd')

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
