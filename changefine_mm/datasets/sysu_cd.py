"""SYSU-CD (Hong Kong, 0.5 m, 256x256 PNG patches)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['SYSUCDDataset', 'SYSUCD_Dataset'])
class SYSUCDDataset(CDDataset):
    """SYSU-CD: ``{train,val,test}/{time1,time2,label}/*.png``, labels 0/255.

    Also registered as ChangeAnywhere's ``SYSUCD_Dataset``.
    """

    FOLDER_NAMES = ('time1', 'time2', 'label')

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
