from .change_visualizer import ChangeVisualizer, overlay_changes
from .hooks import ChangeVisualizationHook

__all__ = ['ChangeVisualizer', 'overlay_changes', 'ChangeVisualizationHook']
