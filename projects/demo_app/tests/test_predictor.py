"""ChangePredictor and the app's prediction function (no browser)."""
import cv2
import numpy as np
import pytest

from projects.demo_app.demo_app import ChangePredictor, inference_pipeline
from projects.demo_app.tests.tiny_models import (PLAIN_CONFIG, TEXT_CONFIG,
                                                 write_checkpoint)

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def text_predictor(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('ckpt') / 'segchange_tiny.pth')
    return ChangePredictor(TEXT_CONFIG, write_checkpoint(TEXT_CONFIG, path))


def _pair(size=64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 255, (size, size, 3), dtype=np.uint8),
            rng.integers(0, 255, (size, size, 3), dtype=np.uint8))


def test_inference_pipeline_reads_arrays_and_keeps_the_prompt():
    steps = inference_pipeline([
        dict(type='MultiImgLoadImageFromFile'),
        dict(type='MultiImgLoadAnnotations'),
        dict(type='MultiImgPackSegInputs', meta_keys=('img_shape', ))
    ], meta_keys=('prompt', ))
    assert [s['type'] for s in steps] == [
        'MultiImgLoadImageFromNDArray', 'MultiImgPackSegInputs']
    assert steps[-1]['meta_keys'] == ('img_shape', 'prompt')


def test_text_conditioned_prediction(text_predictor):
    image_a, image_b = _pair()
    assert text_predictor.text_conditioned
    assert text_predictor.default_threshold == 0.5
    result = text_predictor.predict(image_a, image_b, 'New buildings.')
    assert result.probability.shape == (64, 64)
    assert result.mask.dtype == np.uint8
    assert result.overlay.shape == (64, 64, 3)
    np.testing.assert_array_equal(result.mask,
                                  result.probability >= 0.5)
    other = text_predictor.probability(image_a, image_b, 'Roads.')
    assert not np.allclose(result.probability, other)
    assert text_predictor.predict(image_a, image_b, threshold=0).mask.all()
    # Gray and RGBA uploads are accepted as RGB.
    gray = text_predictor.predict(image_a[..., 0], np.dstack(
        [image_b, np.full((64, 64), 255, np.uint8)]))
    assert gray.mask.shape == (64, 64)


def test_overlay_colours_with_a_label(text_predictor):
    image_a, image_b = _pair()
    label = np.zeros((64, 64), np.uint8)
    label[:32] = 255
    result = text_predictor.predict(image_a, image_b, threshold=0.0,
                                    label=label)
    # Everything is predicted: the top half is TP (green, no red added),
    # the bottom half FP (yellow, half of the red is 255).
    red = result.overlay[..., 0].astype(int)
    assert (red[:32] <= 128).all() and (red[32:] >= 127).all()
    assert (result.overlay[..., 1] >= 100).all()


def test_input_errors(text_predictor):
    image_a, image_b = _pair()
    with pytest.raises(ValueError, match='date A image is missing'):
        text_predictor.predict(None, image_b)
    with pytest.raises(ValueError, match='different sizes'):
        text_predictor.predict(image_a, image_b[:32])
    with pytest.raises(ValueError, match='threshold'):
        text_predictor.predict(image_a, image_b, threshold=1.5)
    with pytest.raises(ValueError, match='label is 32x64'):
        text_predictor.predict(image_a, image_b,
                               label=np.zeros((64, 32), np.uint8))


def test_two_class_model_and_checkpoint_mismatch(tmp_path):
    path = write_checkpoint(PLAIN_CONFIG, str(tmp_path / 'fc.pth'))
    predictor = ChangePredictor(PLAIN_CONFIG, path)
    assert not predictor.text_conditioned
    image_a, image_b = _pair(48)
    result = predictor.predict(image_a, image_b)
    assert result.probability.shape == (48, 48)
    assert 0 <= result.probability.min() <= result.probability.max() <= 1
    with pytest.raises(ValueError, match='does not fit the config'):
        ChangePredictor(TEXT_CONFIG, path)


def test_app_prediction_function_writes_the_mask(text_predictor, tmp_path):
    pytest.importorskip('gradio')
    import gradio as gr

    from projects.demo_app.demo_app.app import make_predict_fn
    predict = make_predict_fn(text_predictor, str(tmp_path))
    image_a, image_b = _pair()
    mask, overlay, path = predict(image_a, image_b, 'Buildings.', 0.5)
    assert set(np.unique(mask)) <= {0, 255} and overlay.shape == (64, 64, 3)
    np.testing.assert_array_equal(cv2.imread(path, cv2.IMREAD_UNCHANGED),
                                  mask)
    expected = text_predictor.predict(image_a, image_b, 'Buildings.', 0.5)
    np.testing.assert_array_equal(mask, expected.mask * 255)
    with pytest.raises(gr.Error, match='different sizes'):
        predict(image_a, image_b[:10], 'Buildings.', 0.5)


def test_16_bit_uploads_are_refused_not_cut_to_8_bits():
    from projects.demo_app.demo_app.change_predictor import as_rgb
    with pytest.raises(ValueError, match='date A image has uint16 pixels'):
        as_rgb(np.full((4, 4, 3), 3000, np.uint16), 'date A image')
