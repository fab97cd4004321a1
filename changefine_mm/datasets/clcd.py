"""CLCD (cropland changes, Guangdong, Gaofen-2, 512x512 PNG tiles)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['CLCDDataset', 'CLCD_Dataset'])
class CLCDDataset(CDDataset):
    """CLCD: ``{train,val,test}/{time1,time2,label}/*.png``, labels 0/255.

    Also registered as open-cd's ``CLCD_Dataset``. open-cd thresholds these
    labels at 128 (``format_seg_map='to_binary'``); here the strict rule of
    :class:`CDDataset` applies unless ``opencd_compat=True``.
    """

    FOLDER_NAMES = ('time1', 'time2', 'label')

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
