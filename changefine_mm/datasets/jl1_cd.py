"""JL1-CD (Jilin-1 satellite, 0.5-0.75 m, 512x512 PNG tiles)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['JL1CDDataset', 'JL1_CD_Dataset'])
class JL1CDDataset(CDDataset):
    """JL1-CD: ``{train,test}/{A,B,label}/*.png``, labels 0/255.

    Also registered as open-cd's ``JL1_CD_Dataset`` (the dataset of its
    MTKD configs). open-cd thresholds these labels at 128
    (``format_seg_map='to_binary'``); here the strict rule of
    :class:`CDDataset` applies unless ``opencd_compat=True``.
    """

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)
