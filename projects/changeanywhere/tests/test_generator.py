"""Invariants of the synthetic change-pair generator."""
import filecmp
import json
import os
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
import pytest

from projects.changeanywhere.changeanywhere import (
    ClassDonorBank, SameClassVariation, SemanticChangeEditor,
    generate_change_dataset, list_folder_pair)
from projects.changeanywhere.tests.semantic_fixtures import (
    generator_cfg, write_semantic_folders)

FOLDERS = ('A', 'B', 'label', 'semantic_A', 'semantic_B')


@pytest.fixture(scope='module')
def source(tmp_path_factory):
    return write_semantic_folders(str(tmp_path_factory.mktemp('semantic')))


def _read(root, folder, name, flag=cv2.IMREAD_UNCHANGED):
    return cv2.imread(osp.join(root, 'train', folder, name), flag)


def test_label_is_exactly_the_class_change(source, tmp_path):
    out = str(tmp_path / 'out')
    summary = generate_change_dataset(generator_cfg(*source), out, seed=1,
                                      progress=False)
    assert summary['pairs'] == 5 and summary['classes'] == [1, 2, 3, 4]
    assert 0.05 < summary['mean_changed_share'] < 0.5
    for sample in list_folder_pair(*source):
        name = f'{sample.name}.png'
        label = _read(out, 'label', name)
        sem_a, sem_b = _read(out, 'semantic_A', name), _read(
            out, 'semantic_B', name)
        assert set(np.unique(label)) <= {0, 255}
        np.testing.assert_array_equal(label == 255, sem_a != sem_b)
        assert (label == 255).any()
        # One date is the source sample itself, image and classes.
        source_map = cv2.imread(sample.label_path, cv2.IMREAD_UNCHANGED)
        source_image = cv2.imread(sample.image_path)
        kept = [(f, s) for f, s in (('A', sem_a), ('B', sem_b))
                if np.array_equal(s, source_map)]
        assert kept, 'neither date keeps the source class map'
        assert np.array_equal(_read(out, kept[0][0], name, cv2.IMREAD_COLOR),
                              source_image)
        # No-data pixels never change.
        assert (label[source_map == 0] == 0).all()
    meta = json.load(open(osp.join(out, 'train', 'generation.json')))
    assert meta['seed'] == 1 and meta['config']['bank']['min_pixels'] == 16


def test_same_seed_same_files_other_seed_other_files(source, tmp_path):
    runs = {}
    for tag, seed in (('first', 4), ('again', 4), ('other', 5)):
        out = str(tmp_path / tag)
        generate_change_dataset(generator_cfg(*source), out, seed=seed,
                                limit=3, progress=False)
        runs[tag] = out
    names = sorted(os.listdir(osp.join(runs['first'], 'train', 'A')))
    assert len(names) == 3
    for folder in FOLDERS:
        match, mismatch, errors = filecmp.cmpfiles(
            osp.join(runs['first'], 'train', folder),
            osp.join(runs['again'], 'train', folder), names, shallow=False)
        assert match == names and not mismatch and not errors
    _, differ, _ = filecmp.cmpfiles(
        osp.join(runs['first'], 'train', 'B'),
        osp.join(runs['other'], 'train', 'B'), names, shallow=False)
    assert differ


def test_changed_pixels_come_from_donors_of_the_new_class(source, tmp_path):
    """Without blending, harmonisation and variation, every changed pixel
    of the rendered date is a pixel of that class in another image, and
    every unchanged pixel is the source pixel."""
    cfg = generator_cfg(
        *source, variation=None, swap_prob=0.0,
        synthesizer=dict(type='RegionReplacementSynthesizer', feather=0,
                         harmonize=0.0))
    out = str(tmp_path / 'out')
    generate_change_dataset(cfg, out, seed=2, progress=False)
    samples = list_folder_pair(*source)
    images = [cv2.imread(s.image_path) for s in samples]
    maps = [cv2.imread(s.label_path, cv2.IMREAD_UNCHANGED) for s in samples]
    for index, sample in enumerate(samples):
        name = f'{sample.name}.png'
        image_b = _read(out, 'B', name, cv2.IMREAD_COLOR)
        sem_b = _read(out, 'semantic_B', name)
        changed = _read(out, 'label', name) == 255
        np.testing.assert_array_equal(image_b[~changed],
                                      images[index][~changed])
        for cls in np.unique(sem_b[changed]):
            palette = {
                tuple(p)
                for img, m in zip(images, maps) for p in img[m == cls]
            }
            pixels = image_b[changed & (sem_b == cls)]
            assert all(tuple(p) in palette for p in pixels)


def test_editor_respects_ratio_and_no_data():
    rng = np.random.default_rng(0)
    semantic = np.ones((64, 64), np.uint8)
    semantic[:, 32:] = 2
    semantic[:8] = 0
    editor = SemanticChangeEditor(change_ratio=(0.2, 0.2), min_region=8,
                                  ignore_index=0)
    edited = editor.edit(semantic, [1, 2, 3], rng)
    changed = edited != semantic
    assert not changed[:8].any()
    assert changed.sum() >= 0.2 * (semantic != 0).sum()
    assert set(np.unique(edited)) <= {0, 1, 2, 3}
    with pytest.raises(ValueError, match='change_ratio'):
        SemanticChangeEditor(change_ratio=(0.5, 0.1))


def test_variation_is_identity_when_every_range_is_degenerate():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    semantic = np.zeros((32, 32), np.uint8)
    semantic[:, 16:] = 1
    identity = SameClassVariation(hue_shift=0, saturation=(1, 1),
                                  class_brightness=(1, 1), gain=(1, 1),
                                  bias=(0, 0), gamma=(1, 1), max_shift=0,
                                  max_rotation=0, noise_std=(0, 0))
    out = identity.apply(image, semantic, rng)
    # Only rounding may move a value, by one level.
    assert np.abs(out.astype(int) - image).max() <= 1
    varied = SameClassVariation(seasonal_classes=(1, )).apply(
        image, semantic, rng)
    assert varied.shape == image.shape and varied.dtype == np.uint8
    assert not np.array_equal(varied, image)


def test_bank_and_sources(source, tmp_path):
    samples = list_folder_pair(*source)
    bank = ClassDonorBank(samples, min_pixels=16, ignore_index=0)
    assert bank.classes == [1, 2, 3, 4]
    rng = np.random.default_rng(0)
    assert {bank.pick(2, rng, exclude=0) for _ in range(20)} <= set(
        range(1, 5))
    assert bank.pick(9, rng) is None
    copies = [str(tmp_path / 'images'), str(tmp_path / 'labels')]
    for folder, copy in zip(source, copies):
        shutil.copytree(folder, copy)
    os.remove(osp.join(copies[1], 'tile4.png'))
    with pytest.raises(ValueError,
                       match=r'1 image\(s\) .* without a class map.*tile4'):
        list_folder_pair(*copies)


def test_cli_writes_the_dataset(source, tmp_path, monkeypatch, capsys):
    from projects.changeanywhere.tools import generate_change_pairs
    config = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                      'configs', 'generators',
                      'region_replacement_folders.py')
    out = str(tmp_path / 'cli')
    monkeypatch.setattr(sys, 'argv', [
        'generate_change_pairs.py', config, '--out', out, '--limit', '2',
        '--no-progress', '--cfg-options', f'source.image_dir={source[0]}',
        f'source.label_dir={source[1]}', 'bank.min_pixels=16'
    ])
    generate_change_pairs.main()
    assert 'wrote 2 pairs' in capsys.readouterr().out
    assert sorted(os.listdir(osp.join(out, 'train'))) == sorted(
        list(FOLDERS) + ['generation.json'])
