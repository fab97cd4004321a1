"""ChangeAnywhere (arXiv 2404.08892) on changefine_mm: synthetic change pairs
from single-date semantic maps, their dataset class and the few-shot splits.
Modules register on import."""
from .change_pair_generator import ChangePair, ChangePairGenerator
from .change_synthesizer import ChangeSynthesizer
from .changeanywhere_dataset import ChangeAnywhereDataset
from .class_donor_bank import ClassDonorBank
from .dataset_writer import generate_change_dataset, pair_rng, write_pair
from .fewshot_splits import (fraction_size, list_stems, select_fraction,
                             write_fewshot_splits)
from .region_replacement_synthesizer import RegionReplacementSynthesizer
from .same_class_variation import SameClassVariation
from .semantic_change_editor import SemanticChangeEditor
from .semantic_sources import (SemanticSample, SourceLayoutError,
                               list_folder_pair, list_loveda,
                               list_openearthmap, list_source, read_sample)

__all__ = [
    'ChangePair', 'ChangePairGenerator', 'ChangeSynthesizer',
    'ChangeAnywhereDataset', 'ClassDonorBank', 'generate_change_dataset',
    'pair_rng', 'write_pair', 'fraction_size', 'list_stems',
    'select_fraction', 'write_fewshot_splits',
    'RegionReplacementSynthesizer', 'SameClassVariation',
    'SemanticChangeEditor', 'SemanticSample', 'SourceLayoutError',
    'list_folder_pair', 'list_loveda', 'list_openearthmap', 'list_source',
    'read_sample'
]
