"""WHU-CD (building changes, Christchurch, 0.3 m)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['WHUCDDataset', 'WHU_CD_Dataset'])
class WHUCDDataset(CDDataset):
    """WHU-CD tiles: ``{train,val,test}/{A,B,label}/<name>``, labels 0/255.

    The suffixes are empty, as in open-cd, because the public tilings
    ship as ``.png`` or ``.tif``: any file in ``A`` is paired with the file
    of the same name in ``B`` and ``label``. Also registered as open-cd's
    ``WHU_CD_Dataset``.
    """

    def __init__(self, img_suffix='', seg_map_suffix='', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
