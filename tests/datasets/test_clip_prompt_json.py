"""The CLIP prompt JSON format: records, ranking, reading errors."""
import json

import pytest

from changefine_mm.datasets.clip_prompt_json import (PromptJSONError,
                                                     load_rankings,
                                                     make_record,
                                                     prompt_json_path)


def test_record_format_and_ranking():
    record = make_record('/x/train/A/1.png', ['a', 'b', 'c'], [0.2, 0.5,
                                                               0.3])
    assert list(record) == ['image_path', 'b', 'c', 'a']
    assert record['b'] == '0.5000'
    with pytest.raises(ValueError, match='3 class names but 2'):
        make_record('p', ['a', 'b', 'c'], [0.1, 0.9])


def test_json_path_sits_beside_the_date_folder():
    assert prompt_json_path('data/LEVIR-CD/train/A/', '56_vit16') == \
        'data/LEVIR-CD/train/A_clipcls_56_vit16.json'


def test_rankings_round_trip_by_file_name(tmp_path):
    path = tmp_path / 'A_clipcls_t.json'
    path.write_text(json.dumps([
        make_record('/elsewhere/train/A/1.png', ['a', 'b', 'c'],
                    [0.2, 0.5, 0.3]),
        make_record('C:\\data\\train\\A\\2.png', ['a', 'b', 'c'],
                    [0.6, 0.1, 0.3])
    ]))
    assert load_rankings(str(path)) == {
        '1.png': ['b', 'c', 'a'],
        '2.png': ['a', 'c', 'b']
    }


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
