"""ChangeAnywhere (arXiv 2404.08892) on changefine_mm: its few-shot protocol
(SYSU-CD and SECOND-as-binary datasets, split lists) and a region-replacement
synthesizer of change pairs from single-date semantic maps (not the paper's
latent diffusion generator, which is unreleased). Modules register on
import."""
from .change_pair_generator import ChangePair, ChangePairGenerator
from .change_synthesizer import ChangeSynthesizer
from .changeanywhere_dataset import ChangeAnywhereDataset
from .class_donor_bank import ClassDonorBank
from .dataset_writer import generate_change_dataset, pair_rng, write_pair
from .fewshot_splits import (fraction_size, list_stems, select_fraction,
                             write_fewshot_splits)
from .region_replacement_synthesizer import RegionReplacementSynthesizer
from .same_class_variation import SameClassVariation
from .second_bcd_dataset import SECONDBCDDataset
from .semantic_change_editor import SemanticChangeEditor
from .semantic_sources import (SemanticSample, SourceLayoutError,
                               list_folder_pair, list_loveda,
                               list_openearthmap, list_source, read_sample)

__all__ = [
    'ChangePair', 'ChangePairGenerator', 'ChangeSynthesizer',
    'ChangeAnywhereDataset', 'ClassDonorBank', 'generate_change_dataset',
    'pair_rng', 'write_pair', 'fraction_size', 'list_stems',
    'select_fraction', 'write_fewshot_splits',
    'RegionReplacementSynthesizer', 'SameClassVariation', 'SECONDBCDDataset',
    'SemanticChangeEditor', 'SemanticSample', 'SourceLayoutError',
    'list_folder_pair', 'list_loveda', 'list_openearthmap', 'list_source',
    'read_sample'
]
