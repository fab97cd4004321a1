"""CDD (Lebedev et al. 2018, season-varying Google Earth pairs)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['CDDDataset', 'SVCD_Dataset'])
class CDDDataset(CDDataset):
    """CDD: ``{train,val,test}/{A,B,OUT}/*.jpg``, labels are JPEG too.

    JPEG compression blurs the 0/255 label values, so the labels are
    thresholded at 128 (``format_seg_map='to_binary'``) instead of the
    strict 0/1-or-0/255 rule. Also registered as open-cd's ``SVCD_Dataset``.
    """

    FOLDER_NAMES = ('A', 'B', 'OUT')

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.jpg',
                 format_seg_map='to_binary', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         format_seg_map=format_seg_map, **kwargs)
