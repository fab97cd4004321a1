"""HANet (open-cd's ``HAN`` backbone with ``mmseg.FCNHead``).

Reference: tests/models/data/opencd/hanet/, made with open-cd's real code
by make_references.py there.
"""
import pytest
import torch

from changefine_mm.models.backbones.hanet import AxisAttention
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def test_outputs_equal_open_cd(tmp_path):
    check_against_reference('hanet', str(tmp_path))


def test_column_attention_is_row_attention_of_the_transpose():
    torch.manual_seed(0)
    rows, cols = AxisAttention(4, 4, 'row'), AxisAttention(4, 4, 'col')
    cols.load_state_dict(rows.state_dict())
    rows.gamma.data.fill_(0.5)
    cols.gamma.data.fill_(0.5)
    x = torch.randn(2, 4, 3, 5)
    torch.testing.assert_close(cols(x),
                               rows(x.transpose(2, 3)).transpose(2, 3))
