"""CLIPFormer modules, registered in the ``changefine_mm`` scope on import.

CLIPFormer is the package's text-conditioned change detector (ChangeCLIP's)
with a Swin backbone, a difference pyramid and cross-shaped window decoder
blocks; its configs import these modules with::

    custom_imports = dict(
        imports=['projects.clipformer.clipformer'],
        allow_failed_imports=False)
"""
# The package goes first: it puts its mmcv.ops stand-in in place before
# mmseg is imported.
import changefine_mm  # noqa: F401,I001
from .clip_swin_with_attention import CLIPSwinWithAttention
from .cross_shaped_window_block import CrossShapedWindowBlock
from .difference_pyramid import DifferencePyramid
from .official_names import convert_official_state_dict

__all__ = [
    'CLIPSwinWithAttention', 'CrossShapedWindowBlock', 'DifferencePyramid',
    'convert_official_state_dict'
]
