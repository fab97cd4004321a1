"""The prompt tool (CLIP class rankings as JSON) and CLIPPromptDataset."""
import json
import os
import os.path as osp
import shutil
import sys

import pytest
import torch
from changeclip_tiny import one_thread  # noqa: F401 (autouse fixture)
from changeclip_tiny import (TAG, TINY_VIT_ARCH, load_prompt_tool,
                             prompted_copy, tiny_clip_file)

from changefine_mm.datasets import CLIPPromptDataset
from changefine_mm.datasets.clip_prompt_json import (PromptJSONError,
                                                     load_rankings,
                                                     make_record)
from changefine_mm.models.utils.clip_zero_shot_classifier import (
    DEFAULT_CLASSES, CLIPZeroShotClassifier, read_class_names)

tool = load_prompt_tool()


@pytest.fixture(scope='module')
def vit_clip_file(tmp_path_factory):
    return tiny_clip_file(tmp_path_factory, TINY_VIT_ARCH)


@pytest.fixture(scope='module')
def classifier(vit_clip_file):
    return CLIPZeroShotClassifier(clip_checkpoint=vit_clip_file)


@pytest.fixture(scope='module')
def prompt_root(synthetic_cd_root, tmp_path_factory, classifier):
    """The synthetic dataset with prompt JSON files for every date folder."""
    return prompted_copy(synthetic_cd_root,
                         str(tmp_path_factory.mktemp('prompted') / 'cd'),
                         classifier)


def test_class_list_is_changeclips_56():
    names = read_class_names(DEFAULT_CLASSES)
    assert len(names) == 56 and len(set(names)) == 56
    assert names[:3] == ['airport', 'bare land', 'basketball court']
    assert names[-1] == 'cabin'


def test_class_file_takes_the_name_before_the_comma(tmp_path):
    path = tmp_path / 'rscls.txt'
    path.write_text('airport, 飞机场\n\nbare land, 裸地\n',
                    encoding='utf-8')
    assert read_class_names(str(path)) == ['airport', 'bare land']
    path.write_text('road\nroad\n')
    with pytest.raises(ValueError, match='twice'):
        read_class_names(str(path))


def test_record_format_and_ranking():
    record = make_record('/x/train/A/1.png', ['a', 'b', 'c'], [0.2, 0.5,
                                                               0.3])
    assert list(record) == ['image_path', 'b', 'c', 'a']
    assert record['b'] == '0.5000'
    with pytest.raises(ValueError, match='3 class names but 2'):
        make_record('p', ['a', 'b', 'c'], [0.1, 0.9])


def test_rankings_errors(tmp_path):
    with pytest.raises(PromptJSONError, match='clip_prompt_classes.py'):
        load_rankings(str(tmp_path / 'missing.json'))
    path = tmp_path / 'dup.json'
    path.write_text(json.dumps([{'image_path': '/a/1.png', 'x': '0.1'},
                                {'image_path': '/b/1.png', 'x': '0.2'}]))
    with pytest.raises(PromptJSONError, match="two records for .*'1.png'"):
        load_rankings(str(path))
    path.write_text(json.dumps([{'image_path': '1.png', 'x': 'high'}]))
    with pytest.raises(PromptJSONError, match="non-numeric .*'high'"):
        load_rankings(str(path))


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


def _wrapped(root, split='train', topk=9, pipeline=None):
    return CLIPPromptDataset(
        dataset_type='LEVIRCDDataset',
        data_root=root,
        split=split,
        pipeline=pipeline or [
            dict(type='MultiImgLoadImageFromFile'),
            dict(type='MultiImgLoadAnnotations'),
            dict(type='MultiImgPackSegInputs')
        ],
        json_tag=TAG,
        topk=topk)


def test_dataset_gives_topk_classes_of_each_date(prompt_root):
    dataset = _wrapped(prompt_root, topk=3)
    assert len(dataset) == 6
    rankings = {
        date: load_rankings(
            osp.join(prompt_root, 'train', f'{date}_clipcls_{TAG}.json'))
        for date in ('A', 'B')
    }
    for idx in range(len(dataset)):
        name = osp.basename(dataset.get_data_info(idx)['img_path'][0])
        assert dataset.prompt_classes(idx) == [
            rankings['A'][name][:3], rankings['B'][name][:3]
        ]
    packed = dataset[0]
    assert packed['inputs'].shape == (6, 64, 64)
    assert packed['data_samples'].metainfo['prompt_classes'] == \
        dataset.prompt_classes(0)
    assert len(_wrapped(prompt_root).prompt_classes(0)[1]) == 9
    assert dataset.metainfo['classes'] == ('unchanged', 'changed')


def test_dataset_errors(prompt_root, synthetic_cd_root):
    with pytest.raises(PromptJSONError, match='A_clipcls_tiny.json'):
        _wrapped(synthetic_cd_root)
    with pytest.raises(PromptJSONError, match='fewer than topk=57'):
        _wrapped(prompt_root, topk=57)
    with pytest.raises(ValueError, match='swaps the dates'):
        _wrapped(prompt_root, pipeline=[
            dict(type='MultiImgLoadImageFromFile'),
            dict(type='MultiImgExchangeTime', prob=0.5)
        ])
