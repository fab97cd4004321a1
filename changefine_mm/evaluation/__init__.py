from .change_metric import ChangeMetric, change_scores, confusion_matrix
from .scd_metric import (SCDMetric, semantic_change_scores,
                         transition_matrix)

__all__ = [
    'ChangeMetric', 'change_scores', 'confusion_matrix', 'SCDMetric',
    'semantic_change_scores', 'transition_matrix'
]
