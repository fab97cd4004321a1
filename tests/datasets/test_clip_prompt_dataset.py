"""CLIPPromptDataset: each pair's top-k CLIP classes from the prompt JSON."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from changefine_mm.datasets import CLIPPromptDataset
from changefine_mm.datasets.clip_prompt_json import (PromptJSONError,
                                                     load_rankings,
                                                     make_record,
                                                     prompt_json_path)

TAG = 'tiny'
CLASS_NAMES = [f'class {i}' for i in range(56)]


@pytest.fixture(scope='module')
def prompt_root(synthetic_cd_root, tmp_path_factory):
    """The synthetic dataset with random rankings of 56 classes per image."""
    root = str(tmp_path_factory.mktemp('prompted') / 'cd')
    shutil.copytree(synthetic_cd_root, root)
    rng = np.random.default_rng(0)
    for split in ('train', 'val', 'test'):
        for date in ('A', 'B'):
            folder = osp.join(root, split, date)
            records = [
                make_record(osp.join(folder, name), CLASS_NAMES,
                            rng.dirichlet(np.ones(len(CLASS_NAMES))))
                for name in sorted(os.listdir(folder))
            ]
            with open(prompt_json_path(folder, TAG), 'w') as f:
                json.dump(records, f)
    return root


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
    # The dates are ranked independently.
    assert dataset.prompt_classes(0)[0] != dataset.prompt_classes(0)[1]
    packed = dataset[0]
    assert packed['inputs'].shape == (6, 64, 64)
    assert packed['data_samples'].metainfo['prompt_classes'] == \
        dataset.prompt_classes(0)
    assert len(_wrapped(prompt_root).prompt_classes(0)[1]) == 9
    assert dataset.metainfo['classes'] == ('unchanged', 'changed')


def test_dataset_errors(prompt_root, synthetic_cd_root, tmp_path):
    with pytest.raises(PromptJSONError, match='A_clipcls_tiny.json'):
        _wrapped(synthetic_cd_root)
    root = str(tmp_path / 'cd')
    shutil.copytree(prompt_root, root)
    json_path = osp.join(root, 'val', f'B_clipcls_{TAG}.json')
    with open(json_path) as f:
        records = json.load(f)
    with open(json_path, 'w') as f:
        json.dump(records[:1], f)
    missing = osp.basename(records[1]['image_path'])
    with pytest.raises(PromptJSONError, match=f'no record for {missing}'):
        _wrapped(root, split='val')
    with pytest.raises(PromptJSONError, match='fewer than topk=57'):
        _wrapped(prompt_root, topk=57)
    with pytest.raises(ValueError, match='swaps the dates'):
        _wrapped(prompt_root, pipeline=[
            dict(type='MultiImgLoadImageFromFile'),
            dict(type='MultiImgExchangeTime', prob=0.5)
        ])
