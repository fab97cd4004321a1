"""ChangeInferencer on semantic change models: change + from + to maps of
arrays and files, batches, the model's own convention, errors."""
import cv2
import numpy as np
import pytest
import torch
import scd_fixtures
from scd_fixtures import DEMO, blocky_pair, predict_scd_pair

from changefine_mm.apis import ChangeInferencer, build_change_model
from changefine_mm.apis.scd_inferencer import SCDInferencer, is_scd_model

pytestmark = pytest.mark.usefixtures('one_torch_thread')
# The shared fixtures (assigned, not imported: the test arguments that
# name them are then no redefinitions for flake8).
scd_inferencer = scd_fixtures.scd_inferencer
tiny_scd_files = scd_fixtures.tiny_scd_files


def _bgr(image):
    return np.ascontiguousarray(image[..., ::-1].transpose(2, 0, 1))


def test_config_or_model_gives_an_scd_inferencer(tiny_scd_files,
                                                 scd_inferencer):
    assert isinstance(scd_inferencer, SCDInferencer)
    assert is_scd_model(tiny_scd_files[0])
    assert is_scd_model(scd_inferencer.model)
    same = ChangeInferencer(scd_inferencer.model, device='cpu')
    assert type(same) is SCDInferencer and same.num_scores == 13
    # cover_semantic (SECOND): 7 names, 0 = unchanged
    assert scd_inferencer.offset == 1
    assert scd_inferencer.classes[0] == 'unchanged'
    assert len(scd_inferencer.classes) == 7
    binary = ChangeInferencer('configs/fcsn/fc_siam_diff_demo.py',
                              device='cpu')
    assert type(binary) is ChangeInferencer
    assert not is_scd_model(binary.model)


def test_arrays_give_the_models_maps_and_codes(scd_inferencer):
    image_a, image_b = blocky_pair(96, 128)
    result = scd_inferencer(image_a, image_b)
    maps = predict_scd_pair(scd_inferencer.model, _bgr(image_a),
                            _bgr(image_b))
    for name in ('change', 'from', 'to'):
        assert result[name].dtype == np.uint8
        np.testing.assert_array_equal(result[name], maps[name])
    assert 0.05 < result['change'].mean() < 0.95
    assert result['prob_from'].shape == (6, 96, 128)
    np.testing.assert_allclose(result['prob_to'].sum(0), 1, atol=1e-5)
    np.testing.assert_array_equal(result['change'],
                                  result['prob_change'] > 0.5)
    # codes: 1 + from * 7 + to where changed (from/to hold class + 1)
    changed = result['change'] == 1
    expected = 1 + result['from'].astype(int) * 7 + result['to']
    np.testing.assert_array_equal(result['codes'][changed],
                                  expected[changed])
    assert (result['codes'][~changed] == 0).all()


def test_sizes_that_need_padding(scd_inferencer):
    """A size that is no multiple of 32 is padded and cropped (not
    stretched): away from the padded border the maps equal those of a
    larger image with the same content."""
    image_a, image_b = blocky_pair(128, 160)
    big = scd_inferencer(image_a, image_b)
    small = scd_inferencer(image_a[:100, :130], image_b[:100, :130])
    inner = (slice(0, 100 - 32), slice(0, 130 - 32))
    np.testing.assert_allclose(small['prob_from'][(slice(None), ) + inner],
                               big['prob_from'][(slice(None), ) + inner],
                               atol=1e-5)
    np.testing.assert_array_equal(small['codes'][inner], big['codes'][inner])


def test_batches_paths_and_bgr_arrays_agree(scd_inferencer, tmp_path):
    pairs = [blocky_pair(64, 96, seed) for seed in (0, 1, 2)]
    singles = [scd_inferencer(a, b) for a, b in pairs]
    batch = scd_inferencer([a for a, _ in pairs], [b for _, b in pairs])
    for single, batched in zip(singles, batch):
        np.testing.assert_array_equal(single['codes'], batched['codes'])
        np.testing.assert_allclose(single['prob_from'],
                                   batched['prob_from'], atol=1e-6)
    paths = []
    for name, image in (('a.png', pairs[0][0]), ('b.png', pairs[0][1])):
        cv2.imwrite(str(tmp_path / name), image[..., ::-1])
        paths.append(str(tmp_path / name))
    from_files = scd_inferencer(*paths)
    from_bgr = scd_inferencer(pairs[0][0][..., ::-1], pairs[0][1][..., ::-1],
                              channel_order='bgr')
    for result in (from_files, from_bgr):
        np.testing.assert_array_equal(result['codes'], singles[0]['codes'])


def test_class_names_must_fit_the_model(tiny_scd_files):
    config, checkpoint = tiny_scd_files
    with pytest.raises(ValueError, match='3 class names .* hold 7 values'):
        ChangeInferencer(config, checkpoint, device='cpu',
                         classes=['unchanged', 'water', 'ground'],
                         palette=[[0, 0, 0]] * 3)
    model = build_change_model(config, checkpoint)
    del model.cfg
    with pytest.raises(ValueError, match='needs classes='):
        ChangeInferencer(model, device='cpu')
    named = ChangeInferencer(model, device='cpu',
                             classes=[str(i) for i in range(7)])
    image_a, image_b = blocky_pair(32, 32)
    assert named(image_a, image_b)['codes'].shape == (32, 32)


def test_demo_config_predicts(tmp_path):
    """The narrow demo UPerNet (pooling pyramid) through the inferencer."""
    torch.manual_seed(0)
    inferencer = ChangeInferencer(DEMO, device='cpu')
    image_a, image_b = blocky_pair(64, 64)
    result = inferencer(image_a, image_b, window=32, overlap=8)
    assert result['codes'].shape == (64, 64)
    assert set(np.unique(result['from'])) <= set(range(7))


def test_bf16_precision(scd_inferencer):
    """--precision bf16 autocasts the forward; the maps barely move."""
    fast = ChangeInferencer(scd_inferencer.model, device='cpu',
                            precision='bf16')
    image_a, image_b = blocky_pair(64, 96)
    full, half = scd_inferencer(image_a, image_b), fast(image_a, image_b)
    assert half['prob_from'].dtype == np.float32
    assert np.abs(full['prob_from'] - half['prob_from']).max() < 0.05
    assert (full['codes'] == half['codes']).mean() > 0.95
