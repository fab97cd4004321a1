from .cgnet import CGNet
from .clip_text_context_encoder import CLIPTextContextEncoder
from .context_decoder import ContextDecoder
from .fc_siam import FC_EF, FC_Siam_conc, FC_Siam_diff
from .hanet import HAN
from .ia_mit import IA_MixVisionTransformer
from .ia_resnest import IA_ResNeSt
from .ia_resnet import IA_ResNet, IA_ResNetV1c, IA_ResNetV1d
from .ifn import IFN
from .lightcdnet import LightCDNet
from .sam_clip_backbone import SAMCLIPBackbone
from .snunet import SNUNet_ECAM
from .tinycd import TinyCD
from .tinynet import TinyNet
from .vit_sam_custom import ViTSAM_Custom
from .vit_tuner import VisionTransformerTurner

__all__ = [
    'CGNet', 'CLIPTextContextEncoder', 'ContextDecoder', 'FC_EF',
    'FC_Siam_conc', 'FC_Siam_diff', 'HAN', 'IA_MixVisionTransformer',
    'IA_ResNeSt', 'IA_ResNet', 'IA_ResNetV1c', 'IA_ResNetV1d', 'IFN',
    'LightCDNet', 'SAMCLIPBackbone', 'SNUNet_ECAM', 'TinyCD', 'TinyNet',
    'ViTSAM_Custom', 'VisionTransformerTurner'
]
