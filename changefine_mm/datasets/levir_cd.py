"""LEVIR-CD and LEVIR-CD+ (building changes, 0.5 m, 1024x1024 PNG tiles)."""
from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset


@DATASETS.register_module(name=['LEVIRCDDataset', 'LEVIR_CD_Dataset'])
class LEVIRCDDataset(CDDataset):
    """LEVIR-CD: ``{train,val,test}/{A,B,label}/*.png``, labels 0/255.

    Also registered as open-cd's ``LEVIR_CD_Dataset``.
    """

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         **kwargs)


@DATASETS.register_module()
class LEVIRCDPlusDataset(LEVIRCDDataset):
    """LEVIR-CD+: ``{train,test}/{A,B,label}/*.png``, labels 0/255."""
