"""S2Looking (side-looking rural building changes, 1024x1024)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['S2LookingDataset', 'S2Looking_Dataset'])
class S2LookingDataset(CDDataset):
    """S2Looking: ``{train,val,test}/{Image1,Image2,label}/*.png``, 0/255.

    Also registered as open-cd's ``S2Looking_Dataset``.
    """

    FOLDER_NAMES = ('Image1', 'Image2', 'label')

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
