"""The app's examples, legend and start-up errors (no browser needed)."""
import sys

import cv2
import pytest

from projects.demo_app.tests.tiny_models import PLAIN_CONFIG

gr = pytest.importorskip('gradio')


def test_examples_and_legend(tmp_path):
    from changefine_mm.visualization.change_visualizer import (FN_COLOUR,
                                                               FP_COLOUR,
                                                               TP_COLOUR)
    from projects.demo_app.demo_app.app import legend_html, write_examples
    examples = write_examples(str(tmp_path), count=2, size=64)
    assert len(examples) == 2
    for path_a, path_b, path_label in examples:
        assert cv2.imread(path_a).shape == cv2.imread(path_b).shape
        assert set(cv2.imread(path_label, 0).ravel()) <= {0, 255}
    html = legend_html()
    for colour in (TP_COLOUR, FP_COLOUR, FN_COLOUR):
        assert f'rgb{tuple(colour)}' in html
    assert 'false alarm' in html and 'missed' in html


def test_missing_checkpoint_is_one_line_before_the_model(monkeypatch,
                                                         tmp_path):
    from projects.demo_app.demo_app import app

    def refuse(*args, **kwargs):
        raise AssertionError('the model was built before the check')

    monkeypatch.setattr(app, 'ChangePredictor', refuse)
    missing = str(tmp_path / 'missing.pth')
    monkeypatch.setattr(sys, 'argv', ['app', PLAIN_CONFIG, missing])
    with pytest.raises(SystemExit) as exc:
        app.main()
    assert str(exc.value.code) == (f'error: checkpoint not found: {missing}'
                                   f'; {tmp_path} holds no .pth file')


def test_model_failure_is_a_message(tmp_path):
    from projects.demo_app.demo_app.app import make_predict_fn

    class Failing:

        def predict(self, *args):
            raise RuntimeError('sizes must be multiples of 32')

    predict = make_predict_fn(Failing(), str(tmp_path))
    with pytest.raises(gr.Error, match='could not process this pair: '
                       'sizes must be multiples of 32'):
        predict(None, None, '', 0.5)
