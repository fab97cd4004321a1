"""state_dict_mismatch: which keys and shapes keep weights from loading."""
import torch
from torch import nn

from changefine_mm.utils import state_dict_mismatch


def test_fitting_weights_give_an_empty_description():
    state = nn.Linear(3, 2).state_dict()
    assert state_dict_mismatch(state, dict(state)) == ''


def test_missing_unexpected_and_misshapen_keys_are_named():
    expected = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)).state_dict()
    weights = dict(expected)
    del weights['0.bias']
    weights['1.weight'] = torch.zeros(4, 2)
    weights['2.weight'] = torch.zeros(1)
    assert state_dict_mismatch(expected, weights) == (
        "missing ['0.bias']; unexpected ['2.weight']; shape mismatches "
        "['1.weight: file (4, 2) vs model (1, 2)']")
    assert state_dict_mismatch(expected, weights, allow_unexpected=True) == (
        "missing ['0.bias']; shape mismatches "
        "['1.weight: file (4, 2) vs model (1, 2)']")


def test_long_key_lists_are_cut():
    expected = {f'w{i}': torch.zeros(1) for i in range(8)}
    assert state_dict_mismatch(expected, {}, shown=2) == \
        "missing ['w0', 'w1'] ..."
