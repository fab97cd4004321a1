from .ban_decoders import BAN_BITHead, BAN_MLPDecoder
from .ban_head import BitemporalAdapterHead
from .bit_head import BITHead
from .changer_head import Changer
from .changefine_scd_head import ChangeFineSCDHead
from .changestar_head import ChangeStarHead
from .class_text_semantic_head import ClassTextSemanticHead
from .ds_fpn_head import DS_FPNHead
from .farseg_head import FarSegHead
from .general_scd_head import GeneralSCDHead
from .identity_head import DSIdentityHead, IdentityHead
from .mlpseg_head import MLPSegHead
from .prompt_change_decoder import PromptChangeDecoder
from .sta_head import STAHead
from .text_conditioned_decode_head import TextConditionedDecodeHead
from .tiny_head import TinyHead

__all__ = [
    'BAN_BITHead', 'BAN_MLPDecoder', 'BitemporalAdapterHead', 'BITHead',
    'ChangeFineSCDHead', 'ChangeStarHead', 'Changer',
    'ClassTextSemanticHead', 'DS_FPNHead', 'DSIdentityHead',
    'FarSegHead', 'GeneralSCDHead', 'IdentityHead', 'MLPSegHead',
    'PromptChangeDecoder',
    'STAHead', 'TextConditionedDecodeHead', 'TinyHead'
]
