from .change_metric import ChangeMetric, change_scores, confusion_matrix

__all__ = ['ChangeMetric', 'change_scores', 'confusion_matrix']
