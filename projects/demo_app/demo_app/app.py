"""The Gradio change-detection demo (any config + checkpoint).

Run from the repository root:
    python -m projects.demo_app.demo_app CONFIG [CHECKPOINT] [--port 7860]
"""
import argparse
import itertools
import os
import os.path as osp
import tempfile
from typing import Callable, Optional, Tuple

import cv2
import numpy as np

from changefine_mm.utils import preflight
from .change_predictor import ChangePredictor

# Set before gradio is imported: no usage statistics are sent.
os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
import gradio as gr  # noqa: E402

PredictFn = Callable[..., Tuple[np.ndarray, np.ndarray, str]]


def make_predict_fn(predictor: ChangePredictor,
                    out_dir: Optional[str] = None) -> PredictFn:
    """The function behind the app's button.

    Args:
        predictor (ChangePredictor): The model.
        out_dir (str, optional): Where the downloadable masks are written.
            Defaults to a fresh temporary folder.

    Returns:
        callable: ``fn(image_a, image_b, prompt, threshold, label)`` ->
        (mask image 0/255, overlay RGB, path of the mask PNG). Input
        problems become ``gr.Error`` messages in the page.
    """
    out_dir = out_dir or tempfile.mkdtemp(prefix='changefine_demo_')
    os.makedirs(out_dir, exist_ok=True)
    counter = itertools.count()

    def predict(image_a, image_b, prompt, threshold, label=None):
        try:
            result = predictor.predict(image_a, image_b, prompt, threshold,
                                       label)
        except ValueError as err:
            raise gr.Error(str(err)) from err
        mask = result.mask * 255
        path = osp.join(out_dir, f'change_mask_{next(counter):05d}.png')
        if not cv2.imwrite(path, mask):
            raise gr.Error(f'cannot write the mask to {path}')
        return mask, result.overlay, path

    return predict


def build_app(predictor: ChangePredictor,
              title: str = 'changefine-mm change detection',
              out_dir: Optional[str] = None) -> gr.Blocks:
    """The Gradio page.

    Two image uploads (and a prompt box for text-conditioned models), an
    optional ground truth for the TP/FP/FN overlay, a threshold slider;
    outputs are the mask, the overlay on date B and the mask as a PNG
    download.

    Args:
        predictor (ChangePredictor): The model.
        title (str): Page title.
        out_dir (str, optional): See :func:`make_predict_fn`.

    Returns:
        gr.Blocks: The app (call ``launch``).
    """
    predict = make_predict_fn(predictor, out_dir)
    with gr.Blocks(title=title) as demo:
        gr.Markdown(f'## {title}\nUpload the two dates of the same place '
                    '(same size), then press **Detect changes**.')
        with gr.Row():
            image_a = gr.Image(label='Date A (before)', type='numpy',
                               sources=['upload'], elem_id='image_a')
            image_b = gr.Image(label='Date B (after)', type='numpy',
                               sources=['upload'], elem_id='image_b')
            label = gr.Image(label='Ground truth (optional, 0/255)',
                             type='numpy', image_mode='L',
                             sources=['upload'], elem_id='label')
        prompt = gr.Textbox(label='Prompt (what changes to look for)',
                            value=predictor.default_prompt,
                            visible=predictor.text_conditioned,
                            elem_id='prompt')
        threshold = gr.Slider(0.0, 1.0, value=predictor.default_threshold,
                              step=0.01, label='Threshold',
                              elem_id='threshold')
        run = gr.Button('Detect changes', variant='primary', elem_id='run')
        with gr.Row():
            mask = gr.Image(label='Change mask', format='png',
                            interactive=False, elem_id='mask')
            overlay = gr.Image(label='Changes on date B', format='png',
                               interactive=False, elem_id='overlay')
        download = gr.File(label='Download the mask (PNG)',
                           interactive=False, elem_id='download')
        run.click(predict, inputs=[image_a, image_b, prompt, threshold,
                                   label],
                  outputs=[mask, overlay, download])
    return demo


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Change-detection demo')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', nargs='?',
                        help='weights (omit for random weights)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--host', default='127.0.0.1',
                        help='0.0.0.0 to serve other machines')
    parser.add_argument('--port', type=int, default=7860)
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow full unpickling (trusted files only)')
    return parser.parse_args()


def serve(demo: gr.Blocks, host: str = '127.0.0.1', port: int = 7860,
          block: bool = True) -> str:
    """Start the app's web server.

    Server-side rendering stays off and the theme uses the system fonts,
    so the page needs no network access (a default theme would fetch Google
    Fonts).

    Args:
        demo (gr.Blocks): The app.
        host (str): Address to listen on.
        port (int): Port.
        block (bool): Serve until interrupted; False returns at once.

    Returns:
        str: The local URL.
    """
    theme = gr.themes.Default(font=['sans-serif'], font_mono=['monospace'])
    _, url, _ = demo.launch(server_name=host, server_port=port,
                            ssr_mode=False, theme=theme, quiet=not block,
                            prevent_thread_lock=not block)
    return url


def main() -> None:
    args = parse_args()
    with preflight.exit_on_error():
        preflight.check_inference(args.config, args.checkpoint)
    predictor = ChangePredictor(args.config, args.checkpoint, args.device,
                                args.trust_checkpoint)
    serve(build_app(predictor), args.host, args.port)
