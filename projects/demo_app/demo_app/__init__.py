"""A Gradio demo for any changefine_mm config + checkpoint."""
from .change_predictor import (ChangePrediction, ChangePredictor, as_rgb,
                               inference_pipeline)

__all__ = [
    'ChangePrediction', 'ChangePredictor', 'as_rgb', 'inference_pipeline'
]
