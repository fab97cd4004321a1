"""DSIFN-CD (six Chinese cities, Google Earth imagery)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['DSIFNDataset', 'DSIFN_Dataset'])
class DSIFNDataset(CDDataset):
    """DSIFN-CD: ``{train,val,test}/{t1,t2,mask}``, JPEG images.

    Masks are ``.png`` in train/val and ``.tif`` in the original test split
    (set ``seg_map_suffix='.tif'`` there). Also registered as open-cd's
    ``DSIFN_Dataset``.
    """

    FOLDER_NAMES = ('t1', 't2', 'mask')
    OPENCD_FORMAT_SEG_MAP = None

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
