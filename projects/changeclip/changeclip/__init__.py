"""ChangeCLIP modules, registered in the ``changefine_mm`` scope on import.

Configs load them with ``custom_imports = dict(imports=[
'projects.changeclip.changeclip'], allow_failed_imports=False)``.
"""
# The package goes first: it puts its mmcv.ops stand-in in place before
# mmseg is imported.
import changefine_mm  # noqa: F401,I001
from .clip_resnet_with_attention import CLIPResNetWithAttention
from .clip_vision_transformer import CLIPVisionTransformer
from .cosine_change_gate import CosineChangeGate
from .official_names import convert_official_state_dict

__all__ = [
    'CLIPResNetWithAttention', 'CLIPVisionTransformer', 'CosineChangeGate',
    'convert_official_state_dict'
]
