"""Gradio demo app for any changefine_mm config + checkpoint."""
