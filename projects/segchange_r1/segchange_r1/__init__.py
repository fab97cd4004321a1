"""SegChange-R1 (arXiv 2506.17944): its modules register on import."""
from .batch_balanced_contrastive_loss import BatchBalancedContrastiveLoss
from .bev_converter import BEVConverter
from .bev_linear_attention import BEVLinearAttention
from .bev_transformer import BEVTransformer
from .binary_dice_loss import BinaryDiceLoss
from .binary_focal_loss import BinaryFocalLoss
from .binary_loss import BinaryLoss
from .cbam import CBAM
from .clip_text_encoder import CLIPTextEncoder
from .d_projector import DProjector
from .dual_input_visual_encoder import DualInputVisualEncoder
from .edge_gaussian_aggregation import EdgeGaussianAggregation
from .feature_diff_module import FeatureDiffModule
from .fpn_feature_fuser import FPNFeatureFuser, LightweightFPN
from .hf_text_encoder import HFTextEncoder
from .official_names import (convert_official_bev,
                             convert_official_difference,
                             convert_official_mask_head,
                             convert_official_neck,
                             convert_official_state_dict)
from .prompt_cd_dataset import PromptCDDataset, read_prompt_file
from .segchange_r1 import SegChangeR1
from .text_conditioned_mask_head import TextConditionedMaskHead

__all__ = [
    'BatchBalancedContrastiveLoss', 'BEVConverter', 'BEVLinearAttention',
    'BEVTransformer', 'BinaryDiceLoss', 'BinaryFocalLoss', 'BinaryLoss',
    'CBAM', 'CLIPTextEncoder', 'DProjector', 'DualInputVisualEncoder',
    'EdgeGaussianAggregation', 'FeatureDiffModule', 'FPNFeatureFuser',
    'LightweightFPN', 'HFTextEncoder', 'PromptCDDataset', 'read_prompt_file',
    'SegChangeR1', 'TextConditionedMaskHead', 'convert_official_bev',
    'convert_official_difference', 'convert_official_mask_head',
    'convert_official_neck', 'convert_official_state_dict'
]
