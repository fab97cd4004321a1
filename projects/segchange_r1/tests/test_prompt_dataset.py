"""PromptCDDataset: both prompts.txt layouts of SegChange-R1."""
import os
import os.path as osp
import shutil

import pytest

from changefine_mm.datasets import DatasetLayoutError
from changefine_mm.registry import DATASETS
from projects.segchange_r1.segchange_r1 import read_prompt_file

pytestmark = pytest.mark.usefixtures('one_torch_thread')

PACK = dict(type='MultiImgPackSegInputs',
            meta_keys=('img_path', 'ori_shape', 'img_shape', 'prompt'))
PIPELINE = [dict(type='MultiImgLoadImageFromFile'),
            dict(type='MultiImgLoadAnnotations'), PACK]


def _write(path, lines):
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def test_read_prompt_file(tmp_path):
    path = str(tmp_path / 'prompts.txt')
    _write(path, ['a.png  Buildings with changes, Mound changes.', '',
                  'b.png  new  roads'])
    assert read_prompt_file(path) == {
        'a.png': 'Buildings with changes, Mound changes.',
        'b.png': 'new  roads'
    }
    _write(path, ['a.png Buildings'])
    with pytest.raises(DatasetLayoutError, match=r'line 1: expected'):
        read_prompt_file(path)
    with pytest.raises(DatasetLayoutError, match='does not exist'):
        read_prompt_file(str(tmp_path / 'missing.txt'))


def test_default_layout(synthetic_cd_root, tmp_path):
    root = str(tmp_path / 'default')
    shutil.copytree(synthetic_cd_root, root)
    _write(osp.join(root, 'train', 'prompts.txt'),
           ['train_0000.png  Buildings with changes.',
            'train_0001.png  Demolished houses.'])
    dataset = DATASETS.build(dict(
        type='PromptCDDataset', data_root=root, split='train',
        default_prompt='Any change.', pipeline=PIPELINE))
    assert len(dataset) == 6
    prompts = [info['prompt'] for info in dataset.load_data_list()]
    assert prompts[:3] == ['Buildings with changes.', 'Demolished houses.',
                           'Any change.']
    sample = dataset[1]['data_samples']
    assert sample.metainfo['prompt'] == 'Demolished houses.'
    assert sample.gt_sem_seg.data.shape == (1, 64, 64)


def test_custom_layout(synthetic_cd_root, tmp_path):
    root = str(tmp_path / 'custom')
    for folder in ('A', 'B', 'label'):
        shutil.copytree(osp.join(synthetic_cd_root, 'train', folder),
                        osp.join(root, folder))
    os.makedirs(osp.join(root, 'list'))
    _write(osp.join(root, 'list', 'val.txt'),
           ['train_0004.png', 'train_0005.png'])
    _write(osp.join(root, 'prompts.txt'),
           ['train_0005.png  Only the new buildings.'])
    dataset = DATASETS.build(dict(
        type='PromptCDDataset', data_root=root, split='val',
        data_format='custom', pipeline=PIPELINE))
    infos = dataset.load_data_list()
    assert [osp.basename(i['img_path'][0]) for i in infos] == [
        'train_0004.png', 'train_0005.png']
    # No default prompt: the pair without one leaves it to the model.
    assert 'prompt' not in infos[0]
    assert infos[1]['prompt'] == 'Only the new buildings.'


def test_no_prompt_file_and_bad_format(synthetic_cd_root):
    dataset = DATASETS.build(dict(
        type='PromptCDDataset', data_root=synthetic_cd_root, split='val',
        prompt_file=None, default_prompt='Buildings.', pipeline=PIPELINE))
    assert {i['prompt'] for i in dataset.load_data_list()} == {'Buildings.'}
    with pytest.raises(ValueError, match='data_format'):
        DATASETS.build(dict(type='PromptCDDataset', data_root='x',
                            data_format='yaml'))
