"""RSIPAC-CD (2021 remote-sensing image processing contest, GeoTIFF)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['RSIPACCDDataset', 'RSIPAC_CD_Dataset'])
class RSIPACCDDataset(CDDataset):
    """RSIPAC-CD: ``{train,val}/{A,B,label}``, ``.tif`` images, ``.png``
    labels; the contest's unlabelled ``test_AB/{A,B}`` needs
    ``with_label=False``.

    Also registered as open-cd's ``RSIPAC_CD_Dataset``. open-cd reads these
    labels as they are (no ``format_seg_map``); ``opencd_compat=True``
    does the same.
    """

    OPENCD_FORMAT_SEG_MAP = None

    def __init__(self, img_suffix='.tif', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
