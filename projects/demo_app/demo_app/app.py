"""The Gradio change-detection demo (any config + checkpoint).

Run from the repository root:
    python -m projects.demo_app.demo_app CONFIG [CHECKPOINT] [--port 7860]
"""
import argparse
import itertools
import os
import os.path as osp
import tempfile
from typing import Callable, List, Optional, Tuple

import cv2
import numpy as np

from changefine_mm.datasets.synthetic import make_pair
from changefine_mm.utils import preflight
from changefine_mm.visualization.change_visualizer import change_legend
from .change_predictor import ChangePredictor

# Set before gradio is imported: no usage statistics are sent.
os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
import gradio as gr  # noqa: E402

PredictFn = Callable[..., Tuple[np.ndarray, np.ndarray, str]]
# Small pairs (the 128 px demo) fill their boxes, pixels kept sharp, as the
# --show-dir panels enlarge them.
IMAGE_CSS = ' '.join(
    f'#{name} img {{width: 100%; height: 100%; object-fit: contain; '
    'image-rendering: pixelated;}'
    for name in ('image_a', 'image_b', 'label', 'mask', 'overlay'))


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
        except RuntimeError as err:
            # e.g. a size the network cannot take: a message, not a trace
            raise gr.Error(f'the model could not process this pair: '
                           f'{err}') from err
        mask = result.mask * 255
        path = osp.join(out_dir, f'change_mask_{next(counter):05d}.png')
        if not cv2.imwrite(path, mask):
            raise gr.Error(f'cannot write the mask to {path}')
        return mask, result.overlay, path

    return predict


def legend_html() -> str:
    """The overlay's colour legend, as the panels of ``--show-dir`` draw it.

    Returns:
        str: HTML of outlined colour swatches with their meaning.
    """
    items = change_legend(False) + change_legend(True)
    swatch = ('<span style="display:inline-block;width:1em;height:1em;'
              'background:rgb{};border:1px solid #222;'
              'vertical-align:middle;margin:0 .3em 0 1em"></span>{}')
    body = ''.join(swatch.format(tuple(colour), text)
                   for text, colour in items)
    return (f'<div id="legend"><b>Changes on date B:</b>{body} '
            '(TP/FP/FN with a ground truth)</div>')


def write_examples(out_dir: str, count: int = 2,
                   size: int = 128) -> List[List[str]]:
    """Synthetic example pairs (the demo data's generator) as PNG files.

    Args:
        out_dir (str): Folder to write ``example_<i>_{a,b,label}.png``.
        count (int): Number of pairs.
        size (int): Side in pixels.

    Returns:
        list[list[str]]: Per pair, the paths of date A, date B and label.
    """
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    examples = []
    for index in range(count):
        image_a, image_b, label = make_pair(rng, size)
        paths = []
        for part, image in (('a', image_a[..., ::-1]),
                            ('b', image_b[..., ::-1]),
                            ('label', (label > 0).astype(np.uint8) * 255)):
            path = osp.join(out_dir, f'example_{index}_{part}.png')
            if not cv2.imwrite(path, np.ascontiguousarray(image)):
                raise OSError(f'cannot write the example {path}')
            paths.append(path)
        examples.append(paths)
    return examples


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
    out_dir = out_dir or tempfile.mkdtemp(prefix='changefine_demo_')
    predict = make_predict_fn(predictor, out_dir)
    with gr.Blocks(title=title) as demo:
        gr.Markdown(f'## {title}\nUpload the two dates of the same place '
                    '(same size) or pick an example below, then press '
                    '**Detect changes**.')
        with gr.Row(equal_height=True):
            image_a = gr.Image(label='Date A (before)', type='numpy',
                               sources=['upload'], elem_id='image_a',
                               height=320)
            image_b = gr.Image(label='Date B (after)', type='numpy',
                               sources=['upload'], elem_id='image_b',
                               height=320)
        # Its own row: beside the dates its label covered their previews.
        with gr.Row():
            label = gr.Image(label='Ground truth (optional, 0/255)',
                             type='numpy', image_mode='L',
                             sources=['upload'], elem_id='label',
                             height=200)
        gr.Examples(write_examples(osp.join(out_dir, 'examples')),
                    inputs=[image_a, image_b, label],
                    label='Example pairs (synthetic, with ground truth)')
        prompt = gr.Textbox(label='Prompt (what changes to look for)',
                            value=predictor.default_prompt,
                            visible=predictor.text_conditioned,
                            elem_id='prompt')
        threshold = gr.Slider(0.0, 1.0, value=predictor.default_threshold,
                              step=0.01, label='Threshold',
                              elem_id='threshold')
        run = gr.Button('Detect changes', variant='primary', elem_id='run')
        with gr.Row(equal_height=True):
            mask = gr.Image(label='Change mask', format='png',
                            interactive=False, elem_id='mask', height=320)
            overlay = gr.Image(label='Changes on date B', format='png',
                               interactive=False, elem_id='overlay',
                               height=320)
        gr.HTML(legend_html())
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
                            ssr_mode=False, theme=theme, css=IMAGE_CSS,
                            quiet=not block,
                            prevent_thread_lock=not block)
    return url


def main() -> None:
    args = parse_args()
    with preflight.exit_on_error():
        preflight.check_inference(args.config, args.checkpoint)
    predictor = ChangePredictor(args.config, args.checkpoint, args.device,
                                args.trust_checkpoint)
    serve(build_app(predictor), args.host, args.port)
