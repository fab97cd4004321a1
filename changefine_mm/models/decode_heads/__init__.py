from .bit_head import BITHead
from .changer_head import Changer
from .prompt_change_decoder import PromptChangeDecoder

__all__ = ['BITHead', 'Changer', 'PromptChangeDecoder']
