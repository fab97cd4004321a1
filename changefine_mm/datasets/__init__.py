from .cd_dataset import CDDataset, DatasetLayoutError
from .bandon import BANDONDataset
from .cdd import CDDDataset
from .clcd import CLCDDataset
from .clip_prompt_dataset import CLIPPromptDataset
from .dsifn import DSIFNDataset
from .jl1_cd import JL1CDDataset
from .landsat_scd import LandsatSCDDataset
from .levir_cd import LEVIRCDDataset, LEVIRCDPlusDataset
from .oscd import OSCDDataset
from .rsipac_cd import RSIPACCDDataset
from .s2looking import S2LookingDataset
from .scd_dataset import BaseSCDDataset
from .second import SECONDDataset
from .sysu_cd import SYSUCDDataset
from .transforms import *  # noqa: F401,F403
from .whu_cd import WHUCDDataset

__all__ = [
    'CDDataset', 'CLIPPromptDataset', 'DatasetLayoutError', 'CDDDataset',
    'DSIFNDataset', 'LEVIRCDDataset', 'LEVIRCDPlusDataset',
    'S2LookingDataset', 'SYSUCDDataset', 'WHUCDDataset', 'CLCDDataset',
    'JL1CDDataset', 'RSIPACCDDataset', 'OSCDDataset', 'BaseSCDDataset',
    'SECONDDataset', 'LandsatSCDDataset', 'BANDONDataset'
]
