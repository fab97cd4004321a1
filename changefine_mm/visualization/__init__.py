from .change_visualizer import ChangeVisualizer, overlay_changes
from .hooks import ChangeVisualizationHook
from .prediction_writer_hook import PredictionWriterHook

__all__ = [
    'ChangeVisualizer', 'overlay_changes', 'ChangeVisualizationHook',
    'PredictionWriterHook'
]
