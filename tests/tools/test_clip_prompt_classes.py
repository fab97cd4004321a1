"""tools/misc/clip_prompt_classes.py: CLIP class rankings as prompt JSON."""
import json
import os
import os.path as osp
import shutil
import sys

import pytest
import torch

from changefine_mm.datasets.clip_prompt_json import load_rankings
from changefine_mm.models.utils.clip_zero_shot_classifier import \
    CLIPZeroShotClassifier
from conftest import load_tool, prompted_copy, write_tiny_clip

TAG = 'tiny'
tool = load_tool('misc', 'clip_prompt_classes.py')


@pytest.fixture(scope='module')
def vit_clip_file(tmp_path_factory):
    """A random tiny CLIP saved as an OpenAI-layout state dict."""
    return write_tiny_clip(
        str(tmp_path_factory.mktemp('clip') / 'tiny_vit.pt'))


@pytest.fixture(scope='module')
def classifier(vit_clip_file):
    return CLIPZeroShotClassifier(clip_checkpoint=vit_clip_file)


@pytest.fixture(scope='module')
def prompt_root(synthetic_cd_root, tmp_path_factory, classifier):
    """The synthetic dataset with prompt JSON files for every date folder."""
    return prompted_copy(synthetic_cd_root,
                         str(tmp_path_factory.mktemp('prompted') / 'cd'),
                         classifier, TAG)


def test_tool_writes_changeclip_json(prompt_root, classifier):
    folder = osp.join(prompt_root, 'train', 'A')
    json_path = osp.join(prompt_root, 'train', f'A_clipcls_{TAG}.json')
    with open(json_path) as f:
        records = json.load(f)
    names = sorted(os.listdir(folder))
    assert [osp.basename(r['image_path']) for r in records] == names
    first = records[0]
    assert list(first)[0] == 'image_path'
    assert sorted(list(first)[1:]) == sorted(classifier.class_names)
    probs = [float(v) for v in list(first.values())[1:]]
    assert probs == sorted(probs, reverse=True)
    assert abs(sum(probs) - 1) < 0.01
    assert all(len(v.split('.')[1]) == 4 for v in list(first.values())[1:])
    # The probabilities are the classifier's for that image.
    expected = classifier(tool._pixels(first['image_path']))[0]
    for i, name in enumerate(classifier.class_names):
        assert abs(float(first[name]) - expected[i].item()) < 6e-5
    assert not osp.exists(json_path + tool.PARTIAL_SUFFIX)


def test_tool_resumes_after_interruption(prompt_root, classifier, tmp_path):
    folder = str(tmp_path / 'A')
    shutil.copytree(osp.join(prompt_root, 'train', 'A'), folder)
    seen = []

    class Interrupted(Exception):
        pass

    class Flaky(torch.nn.Module):
        """The classifier, interrupted during its second batch."""

        def __init__(self, fail_at):
            super().__init__()
            self.inner, self.fail_at = classifier, fail_at
            self.class_names = classifier.class_names
            self.text_features = classifier.text_features
            self.preprocess = classifier.preprocess

        def probabilities(self, inputs):
            seen.append(len(inputs))
            if len(seen) == self.fail_at:
                raise Interrupted
            return self.inner.probabilities(inputs)

    with pytest.raises(Interrupted):
        tool.score_folder(folder, Flaky(2), TAG, batch_size=2,
                          progress=False)
    json_path = str(tmp_path / f'A_clipcls_{TAG}.json')
    assert not osp.exists(json_path)
    with open(json_path + tool.PARTIAL_SUFFIX) as f:
        assert len(f.readlines()) == 2
    seen.clear()
    tool.score_folder(folder, Flaky(0), TAG, batch_size=2, progress=False)
    assert sum(seen) == 6 - 2  # only the images not scored before
    with open(json_path) as f, open(
            osp.join(prompt_root, 'train', f'A_clipcls_{TAG}.json')) as g:
        assert [r['image_path'] for r in json.load(f)] == [
            osp.join(folder, osp.basename(r['image_path']))
            for r in json.load(g)
        ]
    assert not osp.exists(json_path + tool.PARTIAL_SUFFIX)
    # A finished folder is skipped.
    seen.clear()
    tool.score_folder(folder, Flaky(0), TAG, batch_size=2, progress=False)
    assert seen == []


def test_tool_command_line(prompt_root, vit_clip_file, tmp_path, monkeypatch,
                           capsys):
    root = str(tmp_path / 'cli')
    shutil.copytree(osp.join(prompt_root, 'val'), osp.join(root, 'val'),
                    ignore=shutil.ignore_patterns('*.json'))
    monkeypatch.setattr(sys, 'argv', [
        'clip_prompt_classes.py', root, '--checkpoint', vit_clip_file,
        '--splits', 'val', 'test', '--tag', TAG, '--batch-size', '3'
    ])
    tool.main()
    assert 'test/A does not exist, skipped' in capsys.readouterr().out
    for date in ('A', 'B'):
        assert len(load_rankings(
            osp.join(root, 'val', f'{date}_clipcls_{TAG}.json'))) == 2


def test_pixels_are_rgb_and_deeper_images_are_refused(tmp_path):
    import cv2
    import numpy as np
    bgr = np.zeros((4, 5, 3), np.uint8)
    bgr[..., 0] = 200  # blue in OpenCV's order
    cv2.imwrite(str(tmp_path / 'blue.png'), bgr)
    pixels = tool._pixels(str(tmp_path / 'blue.png'))
    assert pixels.shape == (1, 3, 4, 5)
    assert pixels[0, 2].eq(200).all() and pixels[0, :2].eq(0).all()
    deep = str(tmp_path / 'deep.png')
    cv2.imwrite(deep, np.full((4, 5, 3), 3000, np.uint16))
    with pytest.raises(ValueError, match='deep.png has uint16 pixels'):
        tool._pixels(deep)
